"""Issuing: one award per learner and achievement, signed once, stored exactly as signed."""

from __future__ import annotations

import json
import re
import threading
from decimal import Decimal

import pytest
from django.db import connection

from badges import services
from badges.models import Award, AwardStatus, Issuer, SigningKey, StatusList
from badges.ob3.proof import UndefinedTermsError
from badges.ob3.statuslist import MIN_BITS
from badges.services import (
    CODE_ALPHABET,
    award_code_normalize,
    award_issue,
    credential_build,
    identity_hash,
    issuing,
    reads,
)
from badges.services.status_lists import status_list_create
from lms import outbox
from tests.badges.conftest import make_achievement, make_pathway
from tests.badges.helpers import verify_award
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_an_issued_award_holds_a_credential_our_verifier_accepts(issuer, achievement, learner):
    award = award_issue(learner=learner, achievement=achievement, grade=Decimal("87.50"))
    assert award.status == AwardStatus.ISSUED
    report = verify_award(award)
    assert report.status == "valid", [c for c in report.checks if not c.passed]


def test_the_credential_has_the_shape_credentials_md_asks_for(issuer, achievement, learner):
    award = award_issue(learner=learner, achievement=achievement, grade=Decimal("87.50"))
    credential = award.credential
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].startswith("urn:uuid:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", credential["validFrom"])
    assert credential["awardedDate"] == credential["validFrom"]
    assert "issuanceDate" not in credential
    assert credential["issuer"]["id"] == issuer.did == "did:web:127.0.0.1%3A8000:issuers:academy"
    assert credential["issuer"]["type"] == ["Profile"]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    (identity,) = subject["identifier"]
    assert identity["identityType"] == "emailAddress"
    assert identity["identityHash"] == identity_hash(" learner@EXAMPLE.test ", identity["salt"])
    achievement_json = subject["achievement"]
    assert achievement_json["achievementType"] == "MicroCredential"
    assert achievement_json["alignment"][0]["targetFramework"] == "O*NET"
    assert achievement_json["creditsAvailable"] == 1.5
    assert achievement_json["related"][0]["id"].endswith(f"/ob2/badges/{achievement.slug}")
    assert subject["result"][0]["value"] == "87.5"
    status = credential["credentialStatus"]
    assert isinstance(status, dict) and status["type"] == "BitstringStatusListEntry"
    assert 0 <= int(status["statusListIndex"]) < MIN_BITS
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_the_signed_json_is_stored_byte_for_byte_and_never_rebuilt(issuer, achievement, learner):
    award = award_issue(learner=learner, achievement=achievement)
    stored = award.credential_json
    achievement.name = "Renamed later"
    achievement.save()
    again = award_issue(learner=learner, achievement=achievement)
    again.refresh_from_db()
    assert again.credential_json == stored
    assert json.loads(stored)["name"] == "Linux for the Cloud"


def test_issuing_twice_returns_the_same_award(issuer, achievement, learner):
    first = award_issue(learner=learner, achievement=achievement)
    second = award_issue(learner=learner, achievement=achievement)
    assert first.pk == second.pk
    assert Award.objects.count() == 1
    assert Award.objects.get().attempts == 1


def test_validation_codes_are_short_readable_and_different(issuer, learner):
    codes = {award_issue(learner=learner, achievement=make_achievement(issuer)).code for _ in range(3)}
    assert len(codes) == 3
    for code in codes:
        assert re.fullmatch(rf"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}", code)
        assert not set(code) & set("01OILU")


def test_a_typed_code_is_normalized():
    assert award_code_normalize(" 7k4m qx2p 9hjd ") == "7K4M-QX2P-9HJD"
    assert award_code_normalize("7K4M-QX2P-9HJ0") == ""


def test_status_list_indexes_are_random_and_unique(issuer, learner):
    awards = [award_issue(learner=learner, achievement=make_achievement(issuer)) for _ in range(4)]
    indexes = [award.status_index for award in awards]
    assert len(set(indexes)) == 4
    assert indexes != sorted(indexes) or max(indexes) > 1000


def test_a_badge_that_expires_carries_valid_until(issuer, learner):
    award = award_issue(learner=learner, achievement=make_achievement(issuer, validity_days=365))
    assert award.valid_until is not None
    assert "validUntil" in award.credential


def test_an_issuer_without_a_key_leaves_a_failed_award_with_its_error(learner):
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    achievement = make_achievement(keyless)
    with pytest.raises(Exception, match="no signing key"):
        award_issue(learner=learner, achievement=achievement)
    award = Award.objects.get(learner=learner, achievement=achievement)
    assert award.status == AwardStatus.FAILED
    assert "create_issuer_key nokey" in award.error


def test_a_failed_award_is_finished_by_a_retry(learner):
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    achievement = make_achievement(keyless)
    with pytest.raises(Exception):  # noqa: B017
        award_issue(learner=learner, achievement=achievement)
    from badges.services import issuer_key_create

    issuer_key_create(issuer=keyless)
    award = award_issue(learner=learner, achievement=achievement)
    assert award.status == AwardStatus.ISSUED and award.error == ""
    assert Award.objects.filter(learner=learner).count() == 1


def test_a_credential_with_an_unknown_term_is_refused_after_its_badge_was_issued(
    issuer, achievement, learner, monkeypatch
):
    award_issue(learner=learner, achievement=achievement)  # the badge's credential shape is checked and known
    build = issuing.credential_build

    def with_a_stray_term(**kwargs):
        credential = build(**kwargs)
        credential["issuanceDate"] = credential["validFrom"]
        return credential

    monkeypatch.setattr(issuing, "credential_build", with_a_stray_term)
    other = make_user()
    with pytest.raises(UndefinedTermsError):
        award_issue(learner=other, achievement=achievement)
    refused = Award.objects.get(learner=other)
    assert refused.status == AwardStatus.FAILED
    assert "issuanceDate" in refused.error
    assert refused.credential_json == ""


def test_pathways_are_evaluated_only_for_a_component_achievement(issuer, achievement, learner, monkeypatch):
    evaluated = []
    monkeypatch.setattr(issuing, "pathways_evaluate", lambda *, learner: evaluated.append(learner) or [])
    award_issue(learner=learner, achievement=achievement)
    assert evaluated == []
    component = make_achievement(issuer)
    make_pathway(issuer, [component, make_achievement(issuer)])
    award_issue(learner=learner, achievement=component)
    assert evaluated == [learner]


def test_an_award_row_reserves_its_status_index_before_signing(issuer, achievement, learner):
    award = issuing._award_row(learner=learner, badge=achievement, grade=None)
    assert award.status == AwardStatus.ISSUING
    assert award.status_list is not None and award.status_index is not None
    assert award.status_list.allocated == 1
    signed = award_issue(learner=learner, achievement=achievement)
    assert (signed.pk, signed.status_index) == (award.pk, award.status_index)
    assert signed.credential["credentialStatus"]["statusListIndex"] == str(award.status_index)


def test_a_full_status_list_is_followed_by_a_new_one(issuer, learner):
    first = award_issue(learner=learner, achievement=make_achievement(issuer))
    StatusList.objects.filter(pk=first.status_list_id).update(allocated=MIN_BITS)
    second = award_issue(learner=learner, achievement=make_achievement(issuer))
    assert second.status_list.number == first.status_list.number + 1
    assert verify_award(second).status == "valid"


def test_the_serializer_is_an_allow_list(issuer, achievement, learner):
    award = award_issue(learner=learner, achievement=achievement)
    rebuilt = credential_build(award=award)
    allowed = {"@context", "id", "type", "name", "issuer", "validFrom", "validUntil", "awardedDate",
               "credentialSubject", "evidence", "credentialStatus"}  # fmt: skip
    assert set(rebuilt) <= allowed


def test_the_learner_gets_an_email_with_the_link(
    issuer, achievement, learner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        award = award_issue(learner=learner, achievement=achievement)
    assert len(mailoutbox) == 1
    assert award.url in mailoutbox[0].body
    assert mailoutbox[0].to == [learner.email]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_makes_exactly_one_award(issuer, achievement, learner):
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def issue() -> None:
        try:
            barrier.wait()
            results.append(award_issue(learner=learner, achievement=achievement).pk)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    award = Award.objects.get()
    assert award.status == AwardStatus.ISSUED and award.attempts == 1
    assert SigningKey.objects.count() == 1


# --- the task's entry point: a completed enrolment ---------------------------------------------------


def _completed(learner, course, **fields):
    from django.utils import timezone

    from progress.models import Enrolment

    return Enrolment.objects.create(user=learner, course=course, completed_at=timezone.now(), final_grade=90, **fields)


def test_a_completed_enrolment_gets_its_badge_once_in_four_statements(
    issuer, achievement, learner, django_assert_num_queries
):
    award_issue(learner=make_user(), achievement=achievement)  # the issuer's status list exists
    enrolment = _completed(learner, achievement.course)
    # The learner, achievement with its issuer, course, key, newest status list, flags and (PostgreSQL) the course's
    # skills (its alignments; they were a query of their own: 5 statements before) in one query, then the signed
    # row's INSERT with its index counted, in one statement on PostgreSQL, and its e-mail's outbox row, in one
    # transaction; with them, integrations' look-up of webhook endpoints of the learner's organizations
    # (`credentials_issued`: none here, so nothing more). SQLite reads the skills, counts the index, inserts and reads
    # the row back apart.
    sqlite_extra = 0 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(4 + sqlite_extra):
        award = services.award_issue_for_enrolment(enrolment_id=enrolment.pk)
    assert award.status == AwardStatus.ISSUED and award.achievement == achievement and award.grade == 90
    verify_award(award)
    with django_assert_num_queries(2):  # the read (it says the learner has it), the award
        again = services.award_issue_for_enrolment(enrolment_id=enrolment.pk)
    assert again.pk == award.pk and Award.objects.filter(learner=learner).count() == 1
    # The hand-written UPDATE stored what the signing set on the instance.
    for name in (*issuing._SIGNED_FIELDS, "status", "error", "attempts"):
        assert getattr(again, name) == getattr(award, name), name
    assert (again.attempts, again.updated_at >= again.created_at) == (1, True)
    assert again.credential_json == award.credential_json


ESCO_URL = "http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2"
ONET_URL = "https://www.onetonline.org/link/summary/15-1244.00"


def test_an_alignment_carries_the_frameworks_url_and_code_never_the_course_page(issuer, learner):
    from tests.factories import make_course, make_skill

    skills = [
        make_skill("Ansible", framework="ESCO", framework_url=ESCO_URL, code=ESCO_URL.rsplit("/", 1)[1]),
        make_skill("Systems administration", framework="O*NET", framework_url=ONET_URL, code="15-1244.00"),
        make_skill("Team work"),
    ]
    achievement = make_achievement(issuer, course=make_course(skills=skills))
    award = services.award_issue(learner=learner, achievement=achievement)
    alignments = award.credential["credentialSubject"]["achievement"]["alignment"]
    assert alignments == [
        {
            "type": ["Alignment"],
            "targetName": "Ansible",
            "targetUrl": ESCO_URL,
            "targetFramework": "ESCO",
            "targetCode": "1605025e-a179-421f-8f35-5b07d182a6b2",
        },
        {
            "type": ["Alignment"],
            "targetName": "Systems administration",
            "targetUrl": ONET_URL,
            "targetFramework": "O*NET",
            "targetCode": "15-1244.00",
        },
    ]


def test_a_completed_enrolments_credential_aligns_the_courses_skills_as_a_plain_read_does(issuer, learner):
    from badges.models import Achievement
    from tests.factories import make_course, make_skill

    skills = [
        make_skill("Zsh scripting", framework="O*NET", framework_url=ONET_URL, code="15-1244.00"),
        make_skill("Ansible", framework="ESCO", framework_url=ESCO_URL, code=ESCO_URL.rsplit("/", 1)[1]),
        make_skill("Bash", code="B2"),
    ]
    achievement = make_achievement(issuer, course=make_course(skills=skills))
    award = services.award_issue_for_enrolment(enrolment_id=_completed(learner, achievement.course).pk)
    alignments = award.credential["credentialSubject"]["achievement"]["alignment"]
    assert [a["targetName"] for a in alignments] == ["Ansible", "Zsh scripting"]
    plain = services.achievement_document(Achievement.objects.get(pk=achievement.pk))
    assert alignments == plain["alignment"]


def test_a_completed_enrolment_of_a_keyless_issuer_leaves_a_failed_award(learner):
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    achievement = make_achievement(keyless)
    SigningKey.objects.create(issuer=keyless, fragment="old", public_key=b"x", private_key_encrypted="x", active=False)
    enrolment = _completed(learner, achievement.course)
    with pytest.raises(Exception, match="no signing key"):
        services.award_issue_for_enrolment(enrolment_id=enrolment.pk)
    award = Award.objects.get(learner=learner, achievement=achievement)
    assert award.status == AwardStatus.FAILED and "create_issuer_key nokey" in award.error


def test_a_completed_enrolment_evaluates_pathways_only_for_a_component(issuer, learner, monkeypatch):
    evaluated = []
    monkeypatch.setattr(issuing, "pathways_evaluate", lambda *, learner: evaluated.append(learner) or [])
    alone, component = make_achievement(issuer), make_achievement(issuer)
    make_pathway(issuer, [component, make_achievement(issuer)])
    services.award_issue_for_enrolment(enrolment_id=_completed(learner, alone.course).pk)
    assert evaluated == []
    services.award_issue_for_enrolment(enrolment_id=_completed(learner, component.course).pk)
    assert evaluated == [learner]


def test_an_incomplete_enrolment_or_a_course_without_a_badge_gets_nothing(issuer, achievement, learner):
    from progress.models import Enrolment
    from tests.factories import make_course

    open_enrolment = Enrolment.objects.create(user=learner, course=achievement.course)
    assert services.award_issue_for_enrolment(enrolment_id=open_enrolment.pk) is None
    assert services.award_issue_for_enrolment(enrolment_id=_completed(learner, make_course()).pk) is None
    assert not Award.objects.filter(learner=learner).exists()


def _synchronous_commit_at_writes() -> tuple[list[tuple[str, str]], object]:
    """An execute wrapper that records, for each INSERT or UPDATE of an award, the `synchronous_commit` in force."""
    seen: list[tuple[str, str]] = []
    checking = threading.local()

    def wrapper(execute, sql, params, many, context):
        if not getattr(checking, "on", False) and sql.startswith(
            ('INSERT INTO "badges_award"', 'UPDATE "badges_award"', "WITH reserved")
        ):
            checking.on = True
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT current_setting('synchronous_commit')")
                    seen.append((sql.split()[0], cursor.fetchone()[0]))
            finally:
                checking.on = False
        return execute(sql, params, many, context)

    return seen, wrapper


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_issuing_row_commits_without_waiting_for_the_disk_and_the_credential_waits(
    issuer, achievement, learner, monkeypatch
):
    award_issue(learner=make_user(), achievement=achievement)  # the issuer's status list exists
    monkeypatch.setattr(outbox, "_publish", lambda messages: 0)  # the e-mail's own UPDATE is not watched here
    seen, wrapper = _synchronous_commit_at_writes()
    with connection.execute_wrapper(wrapper):
        award = award_issue(learner=learner, achievement=achievement)  # the stepwise path: row first, then signed
    assert award.status == AwardStatus.ISSUED
    # The row's short transaction does not wait for its flush; the credential's commit flushes both, in order.
    assert seen == [("INSERT", "off"), ("UPDATE", "on")]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # local to that transaction: the session keeps its setting


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_completed_enrolment_is_stored_signed_by_one_synchronous_statement(issuer, achievement, learner, monkeypatch):
    award_issue(learner=make_user(), achievement=achievement)  # the issuer's status list exists
    monkeypatch.setattr(outbox, "_publish", lambda messages: 0)  # the e-mail's own UPDATE is not watched here
    enrolment = _completed(learner, achievement.course)
    seen, wrapper = _synchronous_commit_at_writes()
    with connection.execute_wrapper(wrapper):
        award = services.award_issue_for_enrolment(enrolment_id=enrolment.pk)
    assert award.status == AwardStatus.ISSUED and award.pk is not None
    assert seen == [("WITH", "on")]  # nothing is stored before it is signed, and what is stored waits for the disk
    stored = Award.objects.get(pk=award.pk)
    assert stored.credential_json == award.credential_json and stored.attempts == 1
    assert stored.status_list.allocated == 2 == Award.objects.filter(status_list=stored.status_list).count()


@pytest.mark.postgres
def test_issuing_inside_a_callers_transaction_keeps_every_commit_synchronous(issuer, achievement, learner):
    award_issue(learner=make_user(), achievement=achievement)
    seen, wrapper = _synchronous_commit_at_writes()
    with connection.execute_wrapper(wrapper):
        award = award_issue(learner=learner, achievement=achievement)
    assert award.status == AwardStatus.ISSUED
    assert [setting for _statement, setting in seen] == ["on", "on"]


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_the_issuing_read_builds_the_objects_the_orm_would(issuer, achievement, learner):
    from badges.models import Achievement
    from progress.models import Enrolment

    enrolment = _completed(learner, achievement.course)
    read = reads.issue_read(enrolment_id=enrolment.pk)
    orm = Achievement.objects.select_related("issuer", "course").get(pk=achievement.pk)
    assert _fields(read.achievement) == _fields(orm)
    assert _fields(read.achievement.issuer) == _fields(orm.issuer)
    assert _fields(read.achievement.course) == _fields(orm.course)
    assert _fields(read.learner) == _fields(learner.__class__.objects.get(pk=learner.pk))
    key = SigningKey.objects.get(issuer=issuer, active=True)
    assert (read.grade, read.key, read.awarded, read.in_pathway) == (
        90,
        (key.fragment, key.private_key_encrypted),
        False,
        False,
    )
    assert read.status_list is None  # the issuer has no list yet
    make_pathway(issuer, [achievement, make_achievement(issuer)])
    services.award_issue_for_enrolment(enrolment_id=enrolment.pk)
    status_list_create(issuer=issuer, after=StatusList.objects.get(issuer=issuer))
    again = reads.issue_read(enrolment_id=enrolment.pk)
    assert (again.awarded, again.in_pathway) == (True, True)
    newest = StatusList.objects.get(issuer=issuer, number=2)
    assert again.status_list == (newest.pk, 2, newest.size, newest.allocated)
    with pytest.raises(Enrolment.DoesNotExist):
        reads.issue_read(enrolment_id=enrolment.pk + 1000)


def test_a_half_full_list_or_a_refused_signature_takes_the_stepwise_way(issuer, achievement, learner, monkeypatch):
    award_issue(learner=make_user(), achievement=achievement)
    status_list = StatusList.objects.get(issuer=issuer)
    StatusList.objects.filter(pk=status_list.pk).update(allocated=status_list.size // 2)
    award = services.award_issue_for_enrolment(enrolment_id=_completed(learner, achievement.course).pk)
    assert award.status == AwardStatus.ISSUED and verify_award(award).status == "valid"
    assert Award.objects.get(pk=award.pk).credential_json == award.credential_json

    StatusList.objects.filter(pk=status_list.pk).update(allocated=10)

    def refuses(**kwargs):
        raise UndefinedTermsError(["stray"])

    monkeypatch.setattr(issuing, "_credential_sign", refuses)
    other = make_user()
    with pytest.raises(UndefinedTermsError):
        services.award_issue_for_enrolment(enrolment_id=_completed(other, achievement.course).pk)
    failed = Award.objects.get(learner=other)
    assert failed.status == AwardStatus.FAILED and "stray" in failed.error  # recorded for admins, as before


def test_an_index_clash_leaves_the_stored_award_alone_and_issues_with_another(
    issuer, achievement, learner, monkeypatch
):
    holder = award_issue(learner=make_user(), achievement=achievement)
    monkeypatch.setattr(issuing, "status_indexes_random", lambda newest, count: [holder.status_index] * count)
    award = services.award_issue_for_enrolment(enrolment_id=_completed(learner, achievement.course).pk)
    assert award.status == AwardStatus.ISSUED and award.status_index != holder.status_index
    assert verify_award(award).status == "valid"
    holder.refresh_from_db()
    assert holder.learner_id != learner.pk and Award.objects.filter(learner=learner).count() == 1


def test_a_batch_probe_picks_only_indexes_no_award_holds(issuer, achievement, django_assert_num_queries):
    """`status_indexes_free` on a list of 16 indexes: every candidate is probed (prepared on PostgreSQL, the ORM
    elsewhere), and it answers exactly the free ones, or None when the batch needs more room than is left."""
    from badges.services.reads import NewestList
    from badges.services.status_lists import status_indexes_free

    holders = [award_issue(learner=make_user(), achievement=achievement) for _ in range(3)]
    status_list = StatusList.objects.get(issuer=issuer)
    # The awards' random indexes moved to 2, 11 and 20: two inside the first 16, one beyond.
    Award.objects.filter(pk__in=[award.pk for award in holders]).update(status_index=None)
    for award, index in zip(holders, [2, 11, 20], strict=True):
        Award.objects.filter(pk=award.pk).update(status_index=index)
    newest = NewestList(status_list.pk, status_list.number, 16, 2)
    with django_assert_num_queries(1):
        free = status_indexes_free(newest, 14)
    assert sorted(free) == [index for index in range(16) if index not in {2, 11}]
    assert status_indexes_free(newest, 15) is None
