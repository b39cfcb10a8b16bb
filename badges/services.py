"""Every change to issuers, keys, awards and status lists goes through here (tasks, admin, commands, demo).

Locks, when several are taken, are always taken in this order: award row, then status list row. Creating
an award row takes only its status list row (the new award row is not visible to anyone else yet).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import uuid
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate, combinations, pairwise
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from badges.models import (
    Achievement,
    Award,
    AwardStatus,
    Issuer,
    Pathway,
    PathwayComponent,
    RevocationAudit,
    SigningKey,
    StatusList,
)
from badges.ob3 import keys as ob3_keys
from badges.ob3.did import did_document
from badges.ob3.loader import CREDENTIALS_V2, OB_V3P0
from badges.ob3.proof import format_datetime, sign
from badges.ob3.statuslist import MIN_BITS, Bitstring, random_free_index, status_entry, status_list_credential
from content.models import CoursePage, Skill
from lms.db import RowShape, column_converters, converted, fixed_statement_rows, row_shape
from lms.models import User
from lms.outbox import outbox_enqueue, outbox_enqueue_many

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L, U/V look-alikes: read aloud or typed from paper without doubt. 30**12 is about 2**59.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4


class BadgeError(Exception):
    """A badge operation that cannot be done, with a message for the person who asked."""


# --- key encryption and issuer keys -------------------------------------------------------------------


def key_encryption_keys() -> list[str]:
    """The Fernet keys of the setting; the embedded default generates one under var/ on first use."""
    configured = [key for key in settings.BADGES_KEY_ENCRYPTION_KEYS if key]
    if configured:
        return configured
    if not settings.BADGES_GENERATE_KEY_ENCRYPTION_KEY:
        raise ImproperlyConfigured("BADGES_KEY_ENCRYPTION_KEYS is not set.")
    path = settings.BADGES_KEY_ENCRYPTION_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(ob3_keys.generate_fernet_key())
    return [path.read_text().strip()]


@transaction.atomic
def issuer_key_create(*, issuer: Issuer) -> SigningKey:
    """A new Ed25519 key, `key-N`, becomes the issuer's active key; every older public key stays published.

    Locks the issuer row, so two rotations never pick the same N.
    """
    Issuer.objects.select_for_update().get(pk=issuer.pk)
    existing = list(SigningKey.objects.filter(issuer=issuer).values_list("fragment", flat=True))
    number = 1 + max((int(fragment.removeprefix("key-")) for fragment in existing), default=0)
    keypair = ob3_keys.generate_keypair()
    SigningKey.objects.filter(issuer=issuer, active=True).update(active=False)
    key = SigningKey.objects.create(
        issuer=issuer,
        fragment=f"key-{number}",
        public_key=keypair.public_bytes,
        private_key_encrypted=ob3_keys.encrypt_private_key(keypair, key_encryption_keys()),
        active=True,
    )
    logger.info("Issuer %s has a new signing key %s", issuer.slug, key.fragment)
    return key


def issuer_key_rotate(*, issuer: Issuer, user: User | None = None) -> SigningKey:
    """Rotation: the same as creating a key (old keys keep verifying old badges). Platform admins only."""
    if user is not None and not user_is_badge_admin(user):
        raise PermissionDenied(_("Only platform admins may rotate signing keys."))
    return issuer_key_create(issuer=issuer)


def _active_key(issuer: Issuer) -> tuple[SigningKey, ob3_keys.SigningKey]:
    key = SigningKey.objects.filter(issuer=issuer, active=True).first()
    if key is None:
        raise BadgeError(
            f"The issuer {issuer.slug} has no signing key: run `manage.py create_issuer_key {issuer.slug}`."
        )
    return key, ob3_keys.decrypt_private_key(key.private_key_encrypted, key_encryption_keys())


def issuer_did_document(*, issuer: Issuer) -> dict[str, Any]:
    """The DID document listing every key the issuer ever had, oldest first."""
    public_keys = [(key.fragment, bytes(key.public_key)) for key in SigningKey.objects.filter(issuer=issuer)]
    if not public_keys:
        raise BadgeError(f"The issuer {issuer.slug} has no signing key yet.")
    return did_document(issuer.did, public_keys)


@lru_cache(maxsize=64)
def _private_key(token: str) -> ob3_keys.SigningKey:
    """A key decrypted once per process, memoised by its encrypted token (never by a row id that a restored
    database could give to another key). Which key is active is read for every credential."""
    return ob3_keys.decrypt_private_key(token, key_encryption_keys())


@dataclass(frozen=True)
class _IssueRead:
    """What issuing the badge of a completed enrolment needs, read in one statement (`_issue_read`)."""

    learner: User
    achievement: Achievement
    grade: Decimal | None
    key: tuple[str, str] | None  # the issuer's active key: (fragment, encrypted token)
    awarded: bool  # the learner has an award of the achievement already
    in_pathway: bool  # a pathway counts the achievement
    status_list: tuple[int, int, int, int] | None  # the issuer's newest list: id, number, size, indexes allocated


@lru_cache(maxsize=4)
def _issue_read_statement(vendor: str, many: bool = False) -> tuple[str, RowShape, RowShape, RowShape, RowShape, Any]:
    """The enrolment's learner, its course's achievement with the issuer and the course, the issuer's active key (at
    most one: a constraint), whether the learner has the award and whether a pathway counts it, the issuer's
    newest status list (its id, number, size and count of allocated indexes, never its bits), and (PostgreSQL)
    the course's skills as JSON (see `_course_skills`). Built once per process from the models' metadata: the ORM
    spent about 1.5 ms of CPU a credential composing the two queries this replaces. Each row starts with the
    enrolment's id; `many` (PostgreSQL): the enrolments of an array of ids, for a batch.
    """
    from progress.models import Enrolment

    quote = connection.ops.quote_name
    learner, achievement, issuer = row_shape(User), row_shape(Achievement), row_shape(Issuer)
    course = row_shape(CoursePage)
    badges, issuers = quote(Achievement._meta.db_table), quote(Issuer._meta.db_table)
    pages, courses = quote(CoursePage._meta.get_parent_list()[0]._meta.db_table), quote(CoursePage._meta.db_table)
    keys, components = quote(SigningKey._meta.db_table), quote(PathwayComponent._meta.db_table)
    awards, users, lists = quote(Award._meta.db_table), quote(User._meta.db_table), quote(StatusList._meta.db_table)
    skills = f", ({_course_skills_sql().format(outer=badges)})" if vendor == "postgresql" else ""
    columns = ", ".join(learner.columns + achievement.columns + issuer.columns + course.columns)
    sql = (
        f"SELECT e.id, e.completed_at, e.final_grade, {columns}, k.fragment, k.private_key_encrypted,"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {awards} a WHERE a.learner_id = e.user_id AND a.achievement_id = {badges}.id),"
        f" EXISTS (SELECT 1 FROM {components} c WHERE c.achievement_id = {badges}.id),"
        f" sl.id, sl.number, length(sl.bits) * 8, sl.allocated{skills}"
        f" FROM {quote(Enrolment._meta.db_table)} e JOIN {users} ON {users}.id = e.user_id"
        f" LEFT JOIN {badges} ON {badges}.course_id = e.course_id"
        f" LEFT JOIN {issuers} ON {issuers}.id = {badges}.issuer_id"
        f" LEFT JOIN {pages} ON {pages}.id = e.course_id LEFT JOIN {courses} ON {courses}.page_ptr_id = {pages}.id"
        f" LEFT JOIN {keys} k ON k.issuer_id = {badges}.issuer_id AND k.active"
        f" LEFT JOIN {lists} sl ON sl.id = (SELECT id FROM {lists} WHERE issuer_id = {badges}.issuer_id"
        " ORDER BY number DESC LIMIT 1)" + (" WHERE e.id = ANY(%s)" if many else " WHERE e.id = %s")
    )
    return sql, learner, achievement, issuer, course, column_converters(Enrolment._meta.get_field("final_grade"))


def _issue_read(*, enrolment_id: int) -> _IssueRead | None:
    """One (prepared) statement: None when the enrolment is not complete or its course has no badge."""
    from progress.models import Enrolment

    statement = _issue_read_statement(connection.vendor)
    rows = fixed_statement_rows(sql=statement[0], params=[enrolment_id])
    if not rows:
        raise Enrolment.DoesNotExist(f"No enrolment {enrolment_id}.")
    return _issue_read_row(rows[0][1:], statement)


def _issue_reads(*, enrolment_ids: Sequence[int]) -> dict[int, _IssueRead | None]:
    """`_issue_read` of each enrolment, in one statement on PostgreSQL; enrolments that do not exist are left out."""
    from progress.models import Enrolment

    if connection.vendor != "postgresql":
        reads: dict[int, _IssueRead | None] = {}
        for enrolment_id in enrolment_ids:
            with suppress(Enrolment.DoesNotExist):
                reads[enrolment_id] = _issue_read(enrolment_id=enrolment_id)
        return reads
    statement = _issue_read_statement(connection.vendor, many=True)
    rows = fixed_statement_rows(sql=statement[0], params=[list(enrolment_ids)])
    badges: dict[int, Achievement] = {}  # one object a badge, with its issuer and course, for the whole batch
    by_id = {row[0]: _issue_read_row(row[1:], statement, badges=badges) for row in rows}
    return {enrolment_id: by_id[enrolment_id] for enrolment_id in enrolment_ids if enrolment_id in by_id}


def _issue_read_row(
    values: Sequence[Any],
    statement: tuple[str, RowShape, RowShape, RowShape, RowShape, Any],
    *,
    badges: dict[int, Achievement] | None = None,
) -> _IssueRead | None:
    """One row of `_issue_read_statement`. `badges`: the achievements built so far, by id, to reuse."""
    _sql, learner_shape, achievement_shape, issuer_shape, course_shape, grade_converters = statement
    completed_at, grade, *row = values
    ends = list(accumulate(len(shape.columns) for shape in (learner_shape, achievement_shape, issuer_shape)))
    if completed_at is None or row[ends[0]] is None:  # not complete, or no achievement for the course
        return None
    learner = cast(User, learner_shape.build(row[: ends[0]]))
    course_end = ends[2] + len(course_shape.columns)
    fragment, token, awarded, in_pathway, list_id, list_number, list_size, list_allocated, *skills = row[course_end:]
    achievement = badges.get(row[ends[0]]) if badges is not None else None  # the first column is the id
    if achievement is None:
        achievement = cast(Achievement, achievement_shape.build(row[ends[0] : ends[1]]))
        Achievement.issuer.field.set_cached_value(achievement, issuer_shape.build(row[ends[1] : ends[2]]))
        Achievement.course.field.set_cached_value(achievement, course_shape.build(row[ends[2] : course_end]))
        if skills:
            achievement.course_skills = skills[0]  # type: ignore[attr-defined]
        if badges is not None:
            badges[achievement.pk] = achievement
    (grade,) = converted([grade], [grade_converters])
    return _IssueRead(
        learner=learner,
        achievement=achievement,
        grade=grade,
        key=(fragment, token) if token else None,
        awarded=bool(awarded),
        in_pathway=bool(in_pathway),
        status_list=(list_id, list_number, list_size, list_allocated) if list_id is not None else None,
    )


@lru_cache(maxsize=1)
def _course_skills_sql() -> str:
    """A subquery: the skills of `{outer}.course_id` as a JSON list of [name, framework, framework URL, code],
    in the order of `Skill.Meta.ordering` (by name), as `course.skills.all()` gives them."""
    field = CoursePage._meta.get_field("skills")
    links, skills = field.remote_field.through._meta.db_table, Skill._meta.db_table
    course_column, skill_column = field.m2m_column_name(), field.m2m_reverse_name()
    return (
        "SELECT coalesce(json_agg(json_build_array(s.name, s.framework, s.framework_url, s.code) ORDER BY s.name),"  # noqa: S608
        f" '[]')::text FROM {skills} s JOIN {links} l ON l.{skill_column} = s.id"
        f" WHERE l.{course_column} = {{outer}}.course_id"
    )


def _sign(
    issuer: Issuer, document: dict[str, Any], *, now: datetime, key: tuple[str, str] | None = None
) -> dict[str, Any]:
    """`key`: (fragment, encrypted token) of the issuer's active key, when the caller has read it."""
    if key is None:
        record, private = _active_key(issuer)
        fragment = record.fragment
    else:
        fragment, private = key[0], _private_key(key[1])
    return sign(document, private_key=private, verification_method=f"{issuer.did}#{fragment}", created=now)


def worker_warm_up() -> None:
    """Do what the first credential a process signs would otherwise pay for: import the URLconf and process
    the pinned JSON-LD contexts (by signing a throw-away credential with a throw-away key). No database."""
    reverse("badges:lookup")
    document = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Warm-up",
        "issuer": {"id": "did:web:warm-up.invalid", "type": ["Profile"], "name": "Warm-up"},
        "validFrom": format_datetime(timezone.now().replace(microsecond=0)),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://warm-up.invalid/achievements/warm-up",
                "type": ["Achievement"],
                "name": "Warm-up",
                "description": "Warm-up",
                "criteria": {"narrative": "Warm-up"},
            },
        },
    }
    sign(
        document,
        private_key=ob3_keys.SigningKey.generate(),
        verification_method="did:web:warm-up.invalid#key-1",
        created=timezone.now().replace(microsecond=0),
    )


# --- permissions --------------------------------------------------------------------------------------


def user_is_badge_admin(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("badges.revoke_award")))


def _admin_or_instructor(user: User, course: CoursePage | None) -> bool:
    """Platform admins, and the instructors of `course` (None: a badge of no course, admins only)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user_is_badge_admin(user):
        return True
    return course is not None and course.instructors.filter(pk=user.pk).exists()


def user_can_revoke(*, user: User, award: Award) -> bool:
    """Platform admins, and the instructors of the award's course."""
    achievement = award.achievement if award.achievement_id else None
    return _admin_or_instructor(user, achievement.course if achievement and achievement.course_id else None)


def user_can_issue(*, user: User, achievement: Achievement) -> bool:
    """Who may issue a badge to its course's completers: platform admins, and the course's instructors."""
    return _admin_or_instructor(user, achievement.course if achievement.course_id else None)


# --- status lists -------------------------------------------------------------------------------------


STATUS_INDEX_PROBES = 16


def _status_index_allocate(*, issuer_id: int, lazy_commit: bool = False) -> tuple[StatusList, int]:
    """Reserve a random free index in the issuer's newest list (a new list when it is full).

    Call inside the transaction that stores the index on an award: the counter UPDATE locks the list row
    only until that short transaction commits, never while a credential is signed. A few indexed probes
    find a free index; a racing transaction that took the same one meets the (list, index) unique
    constraint, and the caller retries. `lazy_commit`: see `_status_index_reserve`.
    """
    status_list, size = _status_index_reserve(issuer_id=issuer_id, lazy_commit=lazy_commit)
    if status_list is None:
        latest = StatusList.objects.filter(issuer_id=issuer_id).order_by("-number").defer("bits", "credential_json")
        status_list = _status_list_create(issuer=Issuer.objects.get(pk=issuer_id), after=latest.first())
        size = status_list.size
    taken = Award.objects.filter(status_list=status_list)
    rng = secrets.SystemRandom()
    probe = _index_probe_sql()
    for _probe in range(STATUS_INDEX_PROBES):
        index = rng.randrange(size)
        if not fixed_statement_rows(sql=probe, params=[status_list.pk, index]):
            return status_list, index
    # A nearly full list: choose among what is left.
    used = {
        index for index in taken.exclude(status_index=None).values_list("status_index", flat=True) if index is not None
    }
    return status_list, random_free_index(used, size=size, rng=rng)


@lru_cache(maxsize=1)
def _index_probe_sql() -> str:
    """Is an index of a list taken? The (list, index) unique constraint's index answers it."""
    table = connection.ops.quote_name(Award._meta.db_table)
    return f"SELECT 1 FROM {table} WHERE status_list_id = %s AND status_index = %s"  # noqa: S608 (the model's table)


def _status_index_reserve(*, issuer_id: int, lazy_commit: bool = False) -> tuple[StatusList | None, int]:
    """Count one more index as allocated in the issuer's newest list, unless it is full: one statement.

    Returns (the list with only its id, issuer and number loaded, its size in bits), or (None, 0) when the
    issuer has no list yet or its newest list is full.

    `lazy_commit` (PostgreSQL): the same statement sets `synchronous_commit` off for the rest of the
    transaction, so its COMMIT does not wait for the disk. Only for a transaction whose rows are stored
    again by a later synchronous commit before anyone relies on them (see `_award_row`).
    """
    table = StatusList._meta.db_table
    lazy = lazy_commit and connection.vendor == "postgresql"
    # set_config(..., true) is SET LOCAL as a function, so it rides on this round trip instead of its own.
    returning = ", set_config('synchronous_commit', 'off', true)" if lazy else ""
    rows = fixed_statement_rows(
        sql=f"UPDATE {table} SET allocated = allocated + 1"  # noqa: S608 (the model's own table name)
        f" WHERE id = (SELECT id FROM {table} WHERE issuer_id = %s ORDER BY number DESC LIMIT 1)"
        f" AND allocated < length(bits) * 8 RETURNING id, number, length(bits) * 8{returning}",
        params=[issuer_id],
    )
    if not rows:
        return None, 0
    list_id, number, size = rows[0][:3]
    return StatusList.from_db(connection.alias, ["id", "issuer_id", "number"], [list_id, issuer_id, number]), size


def _status_list_create(*, issuer: Issuer, after: StatusList | None) -> StatusList:
    """The issuer's next list, signed, with one index counted as allocated; never an unsigned one."""
    number = (after.number + 1) if after is not None else 1
    with transaction.atomic():
        status_list = StatusList.objects.create(
            issuer=issuer, number=number, bits=Bitstring(MIN_BITS).to_bytes(), allocated=1
        )
        return status_list_sign(status_list=status_list)


def status_list_sign(*, status_list: StatusList) -> StatusList:
    """Sign the list's current bits as a BitstringStatusListCredential. Call with the list row locked."""
    issuer = status_list.issuer
    now = timezone.now()
    unsigned = status_list_credential(
        list_url=status_list.url,
        issuer=issuer.did,
        bitstring=Bitstring.from_bytes(bytes(status_list.bits)),
        valid_from=now,
    )
    status_list.credential_json = json.dumps(_sign(issuer, unsigned, now=now), ensure_ascii=False)
    status_list.signed_at = now
    status_list.save(update_fields=["credential_json", "signed_at", "bits"])
    return status_list


# --- the credential (allow-list serializer) -----------------------------------------------------------


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.SITE_URL}{url}"


def image_url(image: Any) -> str | None:
    if image is None:
        return None
    return _absolute(image.get_rendition("fill-400x400|format-png").url)


def course_url(course: Any) -> str:
    return _absolute(course.get_url() or course.url_path)


def badge_class_url(badge: Achievement | Pathway) -> str:
    kind = "pathways" if isinstance(badge, Pathway) else "achievements"
    return f"{settings.SITE_URL}/{kind}/{badge.slug}"


def ob2_badge_class_url(badge: Achievement | Pathway) -> str:
    kind = "pathways" if isinstance(badge, Pathway) else "badges"
    return f"{settings.SITE_URL}/ob2/{kind}/{badge.slug}"


def issuer_profile(issuer: Issuer) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": issuer.did,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    logo = image_url(issuer.image)
    if logo:
        profile["image"] = {"id": logo, "type": "Image"}
    return profile


def _decimal_number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def achievement_document(badge: Achievement | Pathway) -> dict[str, Any]:
    """The OB3 Achievement of a badge class, field by field from an allow-list."""
    url = badge_class_url(badge)
    achievement: dict[str, Any] = {
        "id": url,
        "type": ["Achievement"],
        "name": badge.name,
        "description": badge.description,
        "criteria": {"narrative": badge.criteria},
        "achievementType": str(badge.achievement_type),
    }
    course = badge.course if isinstance(badge, Achievement) else None
    # Once: a page URL reads the site root paths from the cache (Redis in production).
    page = course_url(course) if course is not None else ""
    if course is not None:
        achievement["criteria"] = {"id": page, "narrative": badge.criteria}
    picture = image_url(badge.image)
    if picture:
        achievement["image"] = {"id": picture, "type": "Image"}
    if course is not None:
        alignments = []
        for name, framework, framework_url, code in _course_skills(badge, course):
            if not framework_url:  # an alignment names a framework's entry, never our own page
                continue
            alignment: dict[str, Any] = {"type": ["Alignment"], "targetName": name, "targetUrl": framework_url}
            if framework:
                alignment["targetFramework"] = framework
            if code:
                alignment["targetCode"] = code
            alignments.append(alignment)
        if alignments:
            achievement["alignment"] = alignments
        achievement["inLanguage"] = course.language
    if isinstance(badge, Achievement) and badge.credits_available is not None:
        achievement["creditsAvailable"] = _decimal_number(badge.credits_available)
    if badge.tag_list:
        achievement["tag"] = badge.tag_list
    if isinstance(badge, Achievement):
        achievement["resultDescription"] = [
            {"id": f"{url}#final-grade", "type": ["ResultDescription"], "name": "Final grade", "resultType": "Percent"}
        ]
    achievement["related"] = [{"id": ob2_badge_class_url(badge), "type": ["Related"], "version": "2.0"}]
    return achievement


def _batch_document(badge: Achievement | Pathway, documents: dict[str, str]) -> dict[str, Any]:
    """The badge's achievement document, built once per batch and handed out as a fresh copy each time."""
    key = f"{type(badge).__name__}:{badge.pk}"
    if key not in documents:
        documents[key] = json.dumps(achievement_document(badge))
    return cast(dict[str, Any], json.loads(documents[key]))


def _course_skills(badge: Achievement, course: Any) -> list[tuple[str, str, str, str]]:
    """(name, framework, framework URL, code) of the course's skills, by name: folded into the issuing query
    when it read the badge (`_issue_facts`, saves a round trip a credential), else read here."""
    folded = getattr(badge, "course_skills", None)
    if folded is not None:
        return [(name, framework, url, code) for name, framework, url, code in json.loads(folded)]
    return [(skill.name, skill.framework, skill.framework_url, skill.code) for skill in course.skills.all()]


def identity_hash(email: str, salt: str) -> str:
    """`sha256$` + hex(sha256(e-mail + salt)); the e-mail is trimmed and lower-cased first."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def credential_build(
    *, award: Award, evidence: Sequence[Award] = (), documents: dict[str, str] | None = None
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of an award (CREDENTIALS.md), from an allow-list of fields.

    `documents`: a batch's achievement documents as JSON, by badge (`_batch_document`), filled on first use: the
    credentials of a batch share them instead of building each again (URLs, skills, about half a millisecond)."""
    badge = award.badge_class
    assert award.valid_from is not None and award.status_list is not None and award.status_index is not None
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityType": "emailAddress",
                "salt": award.salt,
                "identityHash": award.identity_hash,
            }
        ],
        "achievement": achievement_document(badge) if documents is None else _batch_document(badge, documents),
    }
    if award.grade is not None and isinstance(badge, Achievement):
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": f"{badge_class_url(badge)}#final-grade",
                "value": str(_decimal_number(award.grade)),
            }
        ]
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": award.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": badge.name,
        "issuer": issuer_profile(badge.issuer),
        "validFrom": format_datetime(award.valid_from),
    }
    if award.valid_until is not None:
        credential["validUntil"] = format_datetime(award.valid_until)
    credential["awardedDate"] = format_datetime(award.awarded_at)
    credential["credentialSubject"] = subject
    if evidence:
        credential["evidence"] = [
            {
                "id": component.url,
                "type": ["Evidence"],
                "name": component.badge_class.name,
                "description": f"Badge {component.code}, awarded {format_datetime(component.awarded_at)}",
            }
            for component in evidence
        ]
    credential["credentialStatus"] = status_entry(award.status_list.url, award.status_index)
    return credential


# --- issuing ------------------------------------------------------------------------------------------


def award_code_generate() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _char in range(CODE_GROUP_LENGTH)) for _group in range(CODE_GROUPS)
    )
    return "-".join(groups)


def award_code_normalize(text: str) -> str:
    """What a person typed (spaces, lower case, missing dashes) as a stored code; "" when it cannot be one."""
    raw = "".join(char for char in text.upper() if char.isalnum())
    if len(raw) != CODE_GROUPS * CODE_GROUP_LENGTH or any(char not in CODE_ALPHABET for char in raw):
        return ""
    return "-".join(raw[i : i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def _award_row(*, learner: User, badge: Achievement | Pathway, grade: Decimal | None, looked_up: bool = False) -> Award:
    """The one award row of (learner, badge): created on first call, found on every later one.

    The row is created with its validation code and its status-list index, in one short transaction.
    `looked_up`: the caller has just found no row (saves a query; the unique constraint still decides).

    That transaction commits without waiting for the disk (PostgreSQL's `synchronous_commit` off, for it
    alone): the row is visible to every session at once, which is what a stuck or killed worker needs, and
    it becomes durable with the next synchronous commit of the same server, at the latest the one that stores
    the credential or the failure (WAL is flushed in order), before the task is acknowledged. A database
    crash in between loses only the unsigned row; the unacknowledged task is delivered again and recreates it.
    One disk flush a credential instead of two. Not when called inside a transaction of the caller's.
    """
    lookup: dict[str, Any] = {"learner": learner}
    lookup["pathway" if isinstance(badge, Pathway) else "achievement"] = badge
    existing = None if looked_up else Award.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    # Inside a caller's transaction the setting would reach that transaction's own commit: stay synchronous.
    lazy_commit = not connection.in_atomic_block
    for _attempt in range(8):
        try:
            with transaction.atomic():
                try:
                    status_list, status_index = _status_index_allocate(
                        issuer_id=badge.issuer_id, lazy_commit=lazy_commit
                    )
                except BadgeError:
                    # No new list can be signed (the issuer has no key yet): make the row all the same, so
                    # the failure is recorded on it; signing reserves the index when it is retried.
                    status_list, status_index = None, None
                return Award.objects.create(
                    **lookup,
                    code=award_code_generate(),
                    grade=grade,
                    status_list=status_list,
                    status_index=status_index,
                )
        except IntegrityError:
            # The (learner, badge) constraint (someone else created it: use theirs), a code clash, an
            # index clash with a concurrent award, or a concurrent new status list: try again.
            existing = Award.objects.filter(**lookup).first()
            if existing is not None:
                return existing
    raise BadgeError("Could not allocate a unique validation code and status index.")


def _award_sign(*, award_id: int, evidence: Sequence[Award] = ()) -> tuple[Award, bool]:
    """Build, check, sign and store the credential once. Locks the award row (and, only for a row without a
    status index, then the status list row).

    Returns (award, True) when this call signed it, (award, False) when it already was.
    """
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related(
                "achievement__issuer", "achievement__course", "pathway__issuer", "learner", "status_list__issuer"
            )
            .defer("status_list__bits", "status_list__credential_json")
            .get(pk=award_id)
        )
        if award.status == AwardStatus.ISSUED:
            return award, False
        badge = award.badge_class
        now = timezone.now().replace(microsecond=0)
        award.attempts += 1
        award.awarded_at = award.awarded_at.replace(microsecond=0)
        if award.status_list_id is None:  # a row created before indexes were reserved with it
            award.status_list, award.status_index = _status_index_allocate(issuer_id=badge.issuer_id)
            award.status_list.issuer = badge.issuer
        _credential_sign(award=award, badge=badge, now=now, evidence=evidence)
        award.save()
        _notify_record([award.pk])
        return award, True


def _credential_sign(
    *,
    award: Award,
    badge: Achievement | Pathway,
    now: datetime,
    evidence: Sequence[Award],
    key: tuple[str, str] | None = None,
    documents: dict[str, str] | None = None,
) -> None:
    """Fill in the award's credential facts, build its credential and sign it (not saved). `documents`: see
    `credential_build`."""
    award.valid_from = now
    award.valid_until = now + timedelta(days=badge.validity_days) if badge.validity_days else None
    award.salt = secrets.token_hex(16)
    award.identity_hash = identity_hash(award.learner.email, award.salt)
    award.credential_id = f"urn:uuid:{uuid.uuid4()}"
    unsigned = credential_build(award=award, evidence=evidence, documents=documents)
    signed = _sign(badge.issuer, unsigned, now=now, key=key)  # refuses terms no context defines
    award.credential_json = json.dumps(signed, ensure_ascii=False)
    award.status, award.error = AwardStatus.ISSUED, ""


def _award_sign_new(
    *, award: Award, badge: Achievement | Pathway, evidence: Sequence[Award], key: tuple[str, str]
) -> Award:
    """Sign the row this call has just created (the common case) without locking it: build and sign from the
    objects in hand, then store with one conditional UPDATE (in one transaction with its e-mail's outbox row),
    which stores nothing if another call has issued the row meanwhile. So at most one credential is ever stored for an award: a
    concurrent `_award_sign` holds the row lock and this UPDATE, waiting for it, then finds the row issued.
    """
    now = timezone.now().replace(microsecond=0)
    award.awarded_at = award.awarded_at.replace(microsecond=0)
    award.attempts += 1
    _credential_sign(award=award, badge=badge, now=now, evidence=evidence, key=key)
    award.updated_at = timezone.now()
    sql, fields = _signed_update()
    values = [field.get_db_prep_save(getattr(award, field.attname), connection) for field in fields]
    issued = AwardStatus.ISSUED.value
    # The credential and its e-mail's outbox row commit together (no savepoint: a failure undoes both anyway).
    with transaction.atomic(savepoint=False):
        stored = fixed_statement_rows(sql=sql, params=[*values, issued, award.pk, issued])
        if stored:
            _notify_record([award.pk])
    if not stored:
        return Award.objects.get(pk=award.pk)
    return award


# What signing stores on an award row, besides its status, error, attempts and `updated_at`.
_SIGNED_FIELDS = (
    "awarded_at",
    "valid_from",
    "valid_until",
    "salt",
    "identity_hash",
    "credential_id",
    "credential_json",
)


@lru_cache(maxsize=1)
def _signed_update() -> tuple[str, list[Any]]:
    """The UPDATE that stores a signed credential on its award row unless the row is issued already, returning its
    id: written once per process (the ORM's `update()` composed it again for every credential). The parameters are
    the `_SIGNED_FIELDS` and `updated_at`, each through its field's `get_db_prep_save`, then the issued status, the
    award's id and the issued status again."""
    quote = connection.ops.quote_name
    by_name = {field.name: field for field in Award._meta.concrete_fields}
    fields = [by_name[name] for name in (*_SIGNED_FIELDS, "updated_at")]
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Award._meta.db_table)} SET {assignments}, status = %s, error = '',"  # noqa: S608
        " attempts = attempts + 1 WHERE id = %s AND status <> %s RETURNING id"
    )
    return sql, fields


def _award_fail(*, award_id: int, error: BaseException) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    Award.objects.filter(pk=award_id).exclude(status=AwardStatus.ISSUED).update(
        status=AwardStatus.FAILED, error=message, updated_at=timezone.now()
    )
    logger.error("Issuing award %s failed: %s", award_id, message)


def _issue(
    *,
    learner: User,
    badge: Achievement | Pathway,
    grade: Decimal | None,
    evidence: Sequence[Award],
    key: tuple[str, str] | None = None,
    known_absent: bool = False,
) -> Award:
    """`key`: the issuer's active key (fragment, encrypted token), and `known_absent`: the learner had no award
    of this badge, when the caller read them with the badge (saves a query each; the unique constraint still
    decides)."""
    lookup: dict[str, Any] = {"learner": learner}
    lookup["pathway" if isinstance(badge, Pathway) else "achievement"] = badge
    award = None if known_absent else Award.objects.filter(**lookup).first()
    if award is not None and award.status == AwardStatus.ISSUED:
        return award
    created = award is None
    if award is None:
        award = _award_row(learner=learner, badge=badge, grade=grade, looked_up=True)
        if award.status == AwardStatus.ISSUED:  # a concurrent call created and issued it
            return award
    try:
        if created and key is None:
            active_keys = SigningKey.objects.filter(issuer_id=badge.issuer_id, active=True)
            key = active_keys.values_list("fragment", "private_key_encrypted").first()
        if created and award.status_list is not None and key is not None:
            award.status_list.issuer = badge.issuer
            return _award_sign_new(award=award, badge=badge, evidence=evidence, key=key)
        award, _signed_now = _award_sign(award_id=award.pk, evidence=evidence)
    except Exception as error:
        _award_fail(award_id=award.pk, error=error)
        raise
    return award


def award_issue(*, learner: User, achievement: Achievement, grade: Decimal | None = None) -> Award:
    """Issue the learner's badge for `achievement`, exactly once, then any pathway it completes.

    Idempotent: the unique (learner, achievement) constraint means retries and concurrent calls all return
    the same award, signed once. The common case (no row yet) stores the row already signed in one
    transaction; when that fails, it runs in steps, each atomic: the award row is committed first, so a
    failure to sign leaves it visible to admins as "failed" with its error, and a retry finishes it.
    """
    award = _issue(learner=learner, badge=achievement, grade=grade, evidence=())
    if PathwayComponent.objects.filter(achievement=achievement).exists():
        pathways_evaluate(learner=learner)
    return award


def award_issue_for_enrolment(*, enrolment_id: int) -> Award | None:
    """The badge of a completed enrolment; None when the course has no badge or the enrolment is not complete.

    Reads the learner, the badge with its issuer and course, the issuer's active key and newest status list, whether
    the learner has it already and whether any pathway counts it, in one statement. A new award (the common case)
    is then signed in memory and stored signed by one more statement, which counts its status index, and its
    e-mail's outbox row by another, committed together (`_awards_store_signed`, as a batch of one): three statements
    and one commit a credential. Nothing is
    stored before the credential is signed, so a worker killed meanwhile leaves no row; the task, acknowledged
    late, is delivered again and issues it. Anything else (an award row already there, a failed signature, an
    issuer without a key or a list, a list half full, a row the INSERT skipped) goes the stepwise way (`_issue`),
    which records a failure on the award for admins.
    """
    read = _issue_read(enrolment_id=enrolment_id)
    if read is None:
        return None
    stored: list[Award] = []
    if not read.awarded and read.key is not None:
        stored, _left = _awards_store_signed({enrolment_id: read}, probe=False)
    award = (
        stored[0]
        if stored
        else _issue(
            learner=read.learner,
            badge=read.achievement,
            grade=read.grade,
            evidence=(),
            key=read.key,
            known_absent=not read.awarded,
        )
    )
    if read.in_pathway:
        pathways_evaluate(learner=read.learner)
    return award


# --- issuing in batches ------------------------------------------------------------------------------------

AWARD_BATCH_SIZE = 50


@dataclass(frozen=True)
class BatchOutcome:
    """What `award_issue_for_enrolments` did with each enrolment it was given."""

    issued: list[int]  # awards signed and stored by the batch's one INSERT
    one_by_one: list[int]  # awards issued (or found issued) by the one-award path
    skipped: list[int]  # enrolments not complete, gone, or whose course has no badge
    failed: list[int]  # enrolments whose award failed (recorded on the award, for admins)


class BatchIssueError(BadgeError):
    """Some awards of a batch failed; the others are stored. Raised so that the task is retried."""


def award_issue_for_enrolments(*, enrolment_ids: Sequence[int]) -> BatchOutcome:
    """Issue the badges of many completed enrolments at once: the bulk path (badges attached to a course that
    already has completions, awards left failed by an outage), where throughput matters more than latency.

    The enrolments with no award yet are signed in memory and stored, per issuer, by one statement that also
    counts their status indexes as allocated (`_awards_store_signed`): one commit for the batch. Everything else
    (an award row already there, an issuer without a key, a status list too full for the batch, a row the INSERT
    skipped because a concurrent call stored it first or an index clashed) goes through
    `award_issue_for_enrolment`, one at a time. So each award is still made and signed exactly once
    (the unique constraints decide), and a retry of the whole batch redoes only what is not issued.
    """
    reads: dict[int, _IssueRead] = {}
    skipped, single = [], []
    distinct = list(dict.fromkeys(enrolment_ids))
    found = _issue_reads(enrolment_ids=distinct)
    for enrolment_id in distinct:
        read = found.get(enrolment_id)  # None: deleted since it was queued, not complete, or no badge
        if read is None:
            skipped.append(enrolment_id)
        elif read.awarded or read.key is None:
            single.append(enrolment_id)
        else:
            reads[enrolment_id] = read
    by_issuer: dict[int, dict[int, _IssueRead]] = {}
    for enrolment_id, read in reads.items():
        by_issuer.setdefault(read.achievement.issuer_id, {})[enrolment_id] = read
    issued: list[int] = []
    in_pathway: dict[int, User] = {}
    for group in by_issuer.values():
        stored, left = _awards_store_signed(group)
        issued += [award.pk for award in stored]
        single += left
        in_pathway |= {read.learner.pk: read.learner for e, read in group.items() if read.in_pathway and e not in left}
    one_by_one, failed = [], []
    for enrolment_id in single:
        try:
            award = award_issue_for_enrolment(enrolment_id=enrolment_id)
        except Exception:  # recorded on the award by `_issue`; the rest of the batch goes on
            logger.exception("Issuing the badge of enrolment %s failed", enrolment_id)
            failed.append(enrolment_id)
        else:
            if award is not None:
                one_by_one.append(award.pk)
    for learner in in_pathway.values():  # the one-award path evaluated those of its own awards
        pathways_evaluate(learner=learner)
    outcome = BatchOutcome(issued=issued, one_by_one=one_by_one, skipped=skipped, failed=failed)
    if failed:
        raise BatchIssueError(
            f"{len(failed)} of {len(enrolment_ids)} awards failed (enrolments {failed[:10]}); the others are stored."
        )
    return outcome


def achievement_awards_issue(*, achievement: Achievement, user: User | None) -> int:
    """Issue the badge to every learner who completed its course and does not hold it (a badge attached to a
    course after some completed it, awards left failed by an outage): recorded in the outbox, in the caller's
    transaction, as batches of `AWARD_BATCH_SIZE` enrolments, each issued by the worker after the commit. Returns
    how many were queued.

    Revoked awards are never issued again. Raises BadgeError when the issuer has no key to sign with. `user`: who
    asks (checked); None only for the operator's command line (`manage.py issue_badges`)."""
    from badges.selectors import unissued_completions

    if user is not None and not user_can_issue(user=user, achievement=achievement):
        raise PermissionDenied(_("Only platform admins and the course's instructors may issue its badge."))
    if not SigningKey.objects.filter(issuer_id=achievement.issuer_id, active=True).exists():
        raise BadgeError(
            _("%(issuer)s has no signing key yet: create one before issuing its badges.")
            % {"issuer": achievement.issuer.name}
        )
    ids = list(unissued_completions(achievement=achievement).order_by("pk").values_list("pk", flat=True))
    batches = [
        {"enrolment_ids": ids[start : start + AWARD_BATCH_SIZE]} for start in range(0, len(ids), AWARD_BATCH_SIZE)
    ]
    outbox_enqueue_many(handler="badges.award_issue_batch", payloads=batches)
    logger.info("%s queued badge %s for %d completers", user or "The command line", achievement.slug, len(ids))
    return len(ids)


def _awards_store_signed(reads: dict[int, _IssueRead], *, probe: bool = True) -> tuple[list[Award], list[int]]:
    """Sign the awards of `reads` (one issuer's, none awarded yet, each with the issuer's key) in memory, then store
    them, already signed, with one statement that also counts their status indexes as allocated (`_awards_insert`),
    and their e-mails' outbox rows with one more, in one transaction.
    Returns (the awards stored, the enrolment ids left for the stepwise path: those signing refused, whose row the
    INSERT skipped, or all of them when the issuer's newest list has too little room (now or when storing) or
    there is none).

    `probe`: choose indexes no award holds now, with one query (for a batch). Without it (one award: a clash is
    about as likely as the list is full, and `_status_indexes_random` keeps that under a half), a clashing index makes
    the INSERT skip the row, and the stepwise path issues it.
    """
    first = next(iter(reads.values()))
    issuer, newest = first.achievement.issuer, first.status_list
    if newest is None:
        return [], list(reads)
    indexes = _status_indexes_free(newest, len(reads)) if probe else _status_indexes_random(newest, len(reads))
    if indexes is None:  # too full: the stepwise path opens the next list
        return [], list(reads)
    status_list = StatusList.from_db(connection.alias, ["id", "issuer_id", "number"], [newest[0], issuer.pk, newest[1]])
    status_list.issuer = issuer
    now = timezone.now().replace(microsecond=0)
    awards, left = {}, []
    documents: dict[str, str] | None = {} if len(reads) > 1 else None
    for (enrolment_id, read), index in zip(reads.items(), indexes, strict=True):
        award = Award(
            learner=read.learner,
            achievement=read.achievement,
            code=award_code_generate(),
            grade=read.grade,
            status_list=status_list,
            status_index=index,
            awarded_at=now,
            attempts=1,
        )
        try:
            _credential_sign(
                award=award, badge=read.achievement, now=now, evidence=(), key=read.key, documents=documents
            )
        except Exception:  # noqa: BLE001 - the stepwise path signs it again and records the error on its row
            left.append(enrolment_id)
            continue
        awards[enrolment_id] = award
    if not awards:
        return [], left
    # The awards and their e-mails' outbox rows commit together (no savepoint: a failure undoes both anyway).
    with transaction.atomic(savepoint=False):
        _awards_insert(status_list_id=status_list.pk, awards=list(awards.values()))  # sets the stored ones' keys
        issued = [award for award in awards.values() if award.pk is not None]
        _notify_record([award.pk for award in issued])
    left += [enrolment_id for enrolment_id, award in awards.items() if award.pk is None]
    return issued, left


def _status_indexes_free(newest: tuple[int, int, int, int], count: int) -> list[int] | None:
    """`count` distinct random indexes of the list that no award holds now (a concurrent award may still take one:
    the INSERT then skips that row); None when the list has too little room left for the batch."""
    list_id, _number, size, allocated = newest
    if allocated + count > size:
        return None
    # Enough random candidates for `count` free ones, with room to spare, however full the list is.
    wanted = (2 * count + 16) * size // (size - allocated)
    candidates = secrets.SystemRandom().sample(range(size), min(size, wanted))
    taken = set(
        Award.objects.filter(status_list_id=list_id, status_index__in=candidates).values_list("status_index", flat=True)
    )
    free = [index for index in candidates if index not in taken][:count]
    return free if len(free) == count else None


def _status_indexes_random(newest: tuple[int, int, int, int], count: int) -> list[int] | None:
    """`count` distinct random indexes of the list, unprobed; None when it is half full or more (then most would
    clash: the stepwise path probes)."""
    _list_id, _number, size, allocated = newest
    if 2 * (allocated + count) > size:
        return None
    return secrets.SystemRandom().sample(range(size), count)


def _awards_insert(*, status_list_id: int, awards: list[Award]) -> dict[tuple[int, int | None], int]:
    """Store signed award rows and count their indexes as allocated in their status list, unless that would pass
    the list's size (then store nothing). Rows a unique constraint refuses (an award of the learner
    stored meanwhile, a clashing code or status index) are skipped, and their indexes counted all the same: the
    counter may run ahead of the rows, never behind them. Sets the stored awards' primary keys.

    On PostgreSQL one statement (the counter's UPDATE in a CTE, the INSERT from it): one round trip for the lot.
    SQLite has no UPDATE in a CTE: the two statements run in one transaction there (the caller's, when it has one).
    """
    fields = [field for field in Award._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(award, True), connection) for award in awards for field in fields]
    params = [len(awards), status_list_id, len(awards), *values]
    statements = _awards_insert_sql(connection.vendor, len(awards))
    if len(statements) == 1 and len(awards) == 1:  # a learner's award: prepared, like every read
        rows = fixed_statement_rows(sql=statements[0], params=params)
    elif len(statements) == 1:  # a batch's statement runs once: planning it on the server is waste
        with connection.cursor() as cursor:
            cursor.execute(statements[0], params)
            rows = cursor.fetchall()
    else:
        update, insert = statements
        with transaction.atomic(savepoint=False):
            reserved = fixed_statement_rows(sql=update, params=params[:3])
            rows = fixed_statement_rows(sql=insert, params=values) if reserved else []
    stored = {(learner_id, achievement_id): award_id for award_id, learner_id, achievement_id in rows}
    for award in awards:
        award.pk = stored.get((award.learner_id, award.achievement_id))
        award._state.adding = award.pk is None
    return stored


@lru_cache(maxsize=8)
def _awards_insert_sql(vendor: str, count: int) -> tuple[str, ...]:
    """The statements of `_awards_insert` for `count` rows, written once per process and size: one on PostgreSQL
    (its rows cast to their columns' types: it would read untyped values in a SELECT as text), the counter's UPDATE
    and the INSERT elsewhere."""
    quote = connection.ops.quote_name
    lists, awards = quote(StatusList._meta.db_table), quote(Award._meta.db_table)
    fields = [field for field in Award._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(str(field.column)) for field in fields)
    reserve = (
        f"UPDATE {lists} SET allocated = allocated + %s"  # noqa: S608 (the models' tables)
        " WHERE id = %s AND allocated + %s <= length(bits) * 8 RETURNING id"
    )
    returning = "ON CONFLICT DO NOTHING RETURNING id, learner_id, achievement_id"
    if vendor == "postgresql":
        row = "(" + ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields) + ")"
        return (
            f"WITH reserved AS ({reserve}) INSERT INTO {awards} ({columns})"  # noqa: S608
            f" SELECT v.* FROM (VALUES {', '.join([row] * count)}) AS v, reserved {returning}",
        )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return reserve, f"INSERT INTO {awards} ({columns}) VALUES {', '.join([row] * count)} {returning}"  # noqa: S608


def _notify_record(award_ids: Sequence[int]) -> None:
    """Record the e-mails of new awards in the outbox, in the transaction that stores them (one INSERT); each is
    sent by the worker after the commit (`award_notify`), or later by the outbox if the broker is down."""
    outbox_enqueue_many(handler="badges.award_notify", payloads=[{"award_id": award_id} for award_id in award_ids])


# --- pathways -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathwayStatus:
    pathway: Pathway
    earned: int
    needed: int
    chosen: tuple[int, ...]  # the achievement ids that satisfy the rule, in pathway order; () when not yet

    @property
    def complete(self) -> bool:
        return bool(self.chosen)


def pathway_rule_satisfied(
    *,
    components: Sequence[tuple[int, datetime | None]],
    needed: int,
    window: timedelta | None,
    ordered: bool,
) -> tuple[int, ...]:
    """The first set of `needed` earned components (achievement id, earned at) meeting the window and order.

    `components` are in pathway order; None marks one not earned. Returns () when no set qualifies.
    """
    earned = [(achievement_id, at) for achievement_id, at in components if at is not None]
    if needed <= 0 or len(earned) < needed:
        return ()
    for chosen in combinations(earned, needed):
        times = [at for _id, at in chosen]
        if ordered and any(later < earlier for earlier, later in pairwise(times)):
            continue
        if window is not None and max(times) - min(times) > window:
            continue
        return tuple(achievement_id for achievement_id, _at in chosen)
    return ()


def pathway_status(*, pathway: Pathway, earned_at: dict[int, datetime]) -> PathwayStatus:
    components = [
        (component.achievement_id, earned_at.get(component.achievement_id)) for component in pathway.components.all()
    ]
    needed = pathway.needed
    chosen = pathway_rule_satisfied(
        components=components,
        needed=needed,
        window=timedelta(days=pathway.window_days) if pathway.window_days else None,
        ordered=pathway.ordered,
    )
    return PathwayStatus(
        pathway=pathway, earned=sum(1 for _id, at in components if at is not None), needed=needed, chosen=chosen
    )


def _earned_awards(learner: User) -> dict[int, Award]:
    awards = Award.objects.in_good_standing().filter(learner=learner, achievement__isnull=False)
    return {award.achievement_id: award for award in awards.select_related("achievement") if award.achievement_id}


def pathways_evaluate(*, learner: User, pathway_ids: Sequence[int] | None = None) -> list[Award]:
    """Issue every pathway credential the learner's badges now complete (idempotent); return the new ones.
    `pathway_ids`: only these pathways."""
    earned = _earned_awards(learner)
    if not earned:
        return []
    already = set(
        Award.objects.filter(learner=learner, pathway__isnull=False, status=AwardStatus.ISSUED).values_list(
            "pathway_id", flat=True
        )
    )
    candidates = Pathway.objects.all() if pathway_ids is None else Pathway.objects.filter(pk__in=pathway_ids)
    pathways = (
        candidates.filter(components__achievement_id__in=earned)
        .exclude(pk__in=already)
        .distinct()
        .select_related("issuer")
        .prefetch_related("components")
    )
    issued = []
    for pathway in pathways:
        status = pathway_status(pathway=pathway, earned_at={pk: award.awarded_at for pk, award in earned.items()})
        if status.complete:
            evidence = [earned[achievement_id] for achievement_id in status.chosen]
            issued.append(_issue(learner=learner, badge=pathway, grade=None, evidence=evidence))
    return issued


PATHWAY_BATCH_SIZE = 200


@transaction.atomic
def pathway_evaluate_all(*, pathway: Pathway, user: User | None) -> int:
    """A pathway was created or its rule or badges changed: issue it to every learner who already qualifies.

    Records in the outbox, in the caller's transaction, one message per batch of `PATHWAY_BATCH_SIZE` learners who
    hold one of its badges in good standing and not the pathway (revoked pathway credentials are never issued
    again); the worker issues to those who qualify (`pathway_issue_to_learners`), idempotently (the unique
    (learner, pathway) constraint). `user`: who changed it (checked); None for code paths of the platform
    (the demo, a command). Returns how many learners are to be evaluated."""
    if user is not None and not (user_is_badge_admin(user) or user.has_perm("badges.change_pathway")):
        raise PermissionDenied(_("You may not change pathways."))
    components = PathwayComponent.objects.filter(pathway=pathway).values("achievement_id")
    holders = (
        Award.objects.in_good_standing()
        .filter(achievement_id__in=components)
        .exclude(learner_id__in=Award.objects.filter(pathway=pathway).values("learner_id"))
        .values_list("learner_id", flat=True)
        .distinct()
        .order_by("learner_id")
    )
    ids = list(holders)
    batches = [
        {"pathway_id": pathway.pk, "learner_ids": ids[start : start + PATHWAY_BATCH_SIZE]}
        for start in range(0, len(ids), PATHWAY_BATCH_SIZE)
    ]
    outbox_enqueue_many(handler="badges.pathway_evaluate_batch", payloads=batches)
    logger.info("Pathway %s: %d learners queued for evaluation", pathway.slug, len(ids))
    return len(ids)


def pathway_issue_to_learners(*, pathway_id: int, learner_ids: Sequence[int]) -> list[Award]:
    """Issue the pathway to those of `learner_ids` whose badges complete it (the worker's half of
    `pathway_evaluate_all`). A failure of one learner fails the batch, after the others were tried: the outbox
    delivers it again, and what was issued is found issued."""
    issued: list[Award] = []
    failures = 0
    for learner in User.objects.filter(pk__in=learner_ids).order_by("pk"):
        try:
            issued += pathways_evaluate(learner=learner, pathway_ids=[pathway_id])
        except Exception:
            logger.exception("Issuing pathway %s to learner %s failed", pathway_id, learner.pk)
            failures += 1
    if failures:
        raise BadgeError(f"{failures} of {len(learner_ids)} learners of pathway {pathway_id} failed.")
    return issued


def award_retry(*, award: Award, user: User) -> Award:
    """An admin retries a failed award."""
    if not user_is_badge_admin(user):
        raise PermissionDenied(_("Only platform admins may retry issuing."))
    if award.achievement is not None:
        return award_issue(learner=award.learner, achievement=award.achievement, grade=award.grade)
    pathways_evaluate(learner=award.learner)
    award.refresh_from_db()
    return award


def award_notify(*, award_id: int) -> None:
    """E-mail the learner the link to their new badge, once: the award records when it was sent.

    Run by the outbox (in one transaction with its message, so a repeated delivery finds it sent)."""
    award = Award.objects.select_related("learner", "achievement", "pathway").get(pk=award_id)
    if award.status != AwardStatus.ISSUED or award.notified_at is not None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {"award": award, "badge": award.badge_class, "url": award.url, "site_url": settings.SITE_URL}
        subject = render_to_string("badges/email/award_subject.txt", context).strip()
        body = render_to_string("badges/email/award_body.txt", context)
    send_mail(subject, body, None, [award.learner.email])
    Award.objects.filter(pk=award_id).update(notified_at=timezone.now())


def award_revoked_notify(*, award_id: int) -> None:
    """E-mail the learner that their badge was revoked, and why. Run by the outbox in one transaction with its
    message (a repeated delivery finds the message done)."""
    award = Award.objects.select_related("learner", "achievement", "pathway").get(pk=award_id)
    if award.revoked_at is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {"award": award, "badge": award.badge_class, "url": award.url, "site_url": settings.SITE_URL}
        subject = render_to_string("badges/email/revoked_subject.txt", context).strip()
        body = render_to_string("badges/email/revoked_body.txt", context)
    send_mail(subject, body, None, [award.learner.email])


# --- the learner's choices ----------------------------------------------------------------------------


@transaction.atomic
def award_set_name_public(*, award: Award, user: User, public: bool) -> Award:
    """The learner shows or hides their name on the public page (the signed credential never holds it)."""
    if award.learner_id != user.pk:
        raise PermissionDenied(_("Only the learner may change this."))
    Award.objects.filter(pk=award.pk).update(name_public=public, updated_at=timezone.now())
    award.name_public = public
    return award


# --- revoking -----------------------------------------------------------------------------------------


def award_dependents(*, award: Award) -> list[Award]:
    """The learner's pathway credentials that counted this badge: what a cascade would revoke too."""
    if award.achievement_id is None:
        return []
    return list(
        Award.objects.filter(
            learner_id=award.learner_id,
            pathway__components__achievement_id=award.achievement_id,
            revoked_at__isnull=True,
            status=AwardStatus.ISSUED,
        )
        .select_related("pathway")
        .distinct()
    )


def _revoke_one(*, award_id: int, user: User | None, reason: str, cascaded_from: Award | None) -> Award | None:
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("achievement__issuer", "pathway__issuer")
        .get(pk=award_id)
    )
    if award.revoked_at is not None:
        return None
    now = timezone.now()
    award.revoked_at, award.revocation_reason, award.revoked_by = now, reason, user
    award.save(update_fields=["revoked_at", "revocation_reason", "revoked_by", "updated_at"])
    RevocationAudit.objects.create(
        award=award, reason=reason, revoked_by=user, revoked_at=now, cascaded_from=cascaded_from
    )
    if award.status_list_id is not None and award.status_index is not None:
        status_list = StatusList.objects.select_for_update().select_related("issuer").get(pk=award.status_list_id)
        bits = Bitstring.from_bytes(bytes(status_list.bits))
        bits.set(award.status_index)
        status_list.bits = bits.to_bytes()
        status_list_sign(status_list=status_list)
    # The learner is told why, by the worker after the commit: recorded with the revocation, so never lost.
    outbox_enqueue(handler="badges.award_revoked_notify", payload={"award_id": award.pk})
    return award


@transaction.atomic
def award_revoke(*, award: Award, user: User, reason: str, cascade: bool = False) -> list[Award]:
    """Revoke an award with a reason (audited): set its status bit and re-sign the list.

    With `cascade`, also the learner's pathway credentials that counted it (see `award_dependents`).
    Platform admins, or the instructors of the award's course. Returns the awards revoked now.
    """
    reason = reason.strip()
    if not reason:
        raise BadgeError(_("Give a reason: it is shown on the verification page."))
    if not user_can_revoke(user=user, award=award):
        raise PermissionDenied(_("You may not revoke this award."))
    dependents = award_dependents(award=award) if cascade else []
    if dependents and not user_is_badge_admin(user):
        raise PermissionDenied(_("Only platform admins may revoke pathway credentials."))
    revoked = []
    first = _revoke_one(award_id=award.pk, user=user, reason=reason, cascaded_from=None)
    if first is not None:
        revoked.append(first)
    for dependent in dependents:
        done = _revoke_one(award_id=dependent.pk, user=user, reason=reason, cascaded_from=award)
        if done is not None:
            revoked.append(done)
    award.refresh_from_db()
    return revoked
