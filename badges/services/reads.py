"""What issuing the badge of a completed enrolment needs, read in one query a batch (a single credential is a
batch of one): the learner, the course's badge with its issuer and course, the issuer's active key and newest
status list, whether the learner holds the badge already and whether a pathway counts it."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, cast

from django.db import connection
from django.db.models import BigIntegerField, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject, Length

from badges.models import Achievement, Award, PathwayComponent, SigningKey, StatusList
from content.models import Skill
from lms.db import FixedQuery, any_of, fixed_query
from lms.models import User
from progress.models import Enrolment


class NewestList(NamedTuple):
    """The issuer's newest status list, never its bits."""

    id: int
    number: int
    size: int  # in bits
    allocated: int  # indexes counted as allocated


@dataclass(frozen=True)
class IssueRead:
    learner: User
    achievement: Achievement
    grade: Decimal | None
    key: tuple[str, str] | None  # the issuer's active key: (fragment, encrypted token)
    awarded: bool  # the learner has an award of the achievement already
    in_pathway: bool  # a pathway counts the achievement
    status_list: NewestList | None
    skills: list[dict[str, str]] | None  # the course's skills (PostgreSQL; None: not read)


def _course_skills() -> Subquery:
    """The skills of the enrolment's course (name, framework, framework_url, code) as one JSON list, in the order
    `course.skills.all()` gives them (`Skill.Meta.ordering`): the credential's alignments."""
    from django.contrib.postgres.aggregates import JSONBAgg

    fields = {name: name for name in ("name", "framework", "framework_url", "code")}
    skills = Skill.objects.filter(courses=OuterRef("course_id")).order_by().values("courses")
    listed = skills.annotate(listed=JSONBAgg(JSONObject(**fields), order_by=Skill._meta.ordering)).values("listed")
    return Subquery(listed)


def _enrolments() -> QuerySet[Enrolment]:
    """Enrolments with their learner and their course's badge and issuer (joined), and the rest as subqueries of
    badges' own tables. The issuer has at most one active key (a constraint)."""
    badge = "course__achievement"
    issuer = OuterRef(f"{badge}__issuer_id")
    key = SigningKey.objects.filter(issuer_id=issuer, active=True)
    newest = StatusList.objects.filter(issuer_id=issuer).order_by("-number")
    enrolments = Enrolment.objects.select_related("user", f"{badge}__issuer")
    if connection.vendor == "postgresql":  # elsewhere the credential reads them on its own (documents._alignments)
        enrolments = enrolments.annotate(course_skills=_course_skills())
    return enrolments.annotate(
        key_fragment=Subquery(key.values("fragment")[:1]),
        key_token=Subquery(key.values("private_key_encrypted")[:1]),
        awarded=Exists(Award.objects.filter(learner_id=OuterRef("user_id"), achievement_id=OuterRef(f"{badge}__id"))),
        in_pathway=Exists(PathwayComponent.objects.filter(achievement_id=OuterRef(f"{badge}__id"))),
        list_id=Subquery(newest.values("pk")[:1]),
        list_number=Subquery(newest.values("number")[:1]),
        list_size=Subquery(newest.annotate(bit_count=Length("bits") * 8).values("bit_count")[:1]),
        list_allocated=Subquery(newest.values("allocated")[:1]),
    )


# No enrolment has this key: the statement is composed with it, and run with the enrolment's.
_ANY_ENROLMENT = -1


@functools.cache
def _issue_query() -> FixedQuery:
    """`_enrolments()` of one enrolment, composed by the ORM once per process: composing its joins and eight subqueries
    cost more CPU than anything else in a credential but signing (about 3 of 11 ms a credential)."""
    return fixed_query(_enrolments().filter(pk=_ANY_ENROLMENT), placeholder=_ANY_ENROLMENT)


def issue_read(*, enrolment_id: int) -> IssueRead | None:
    """One query (prepared): None when the enrolment is not complete or its course has no badge."""
    found = _issue_query().objects(enrolment_id)
    if not found:
        raise Enrolment.DoesNotExist(f"No enrolment {enrolment_id}.")
    return _read(cast(Enrolment, found[0]), badges={})


# No batch has these keys: the batch's statement is composed with them, and run with the batch's.
_ANY_BATCH = [_ANY_ENROLMENT]


@functools.cache
def _issue_batch_query() -> FixedQuery:
    """PostgreSQL: `_enrolments()` of a batch (`id = ANY(%s::bigint[])`, one text whatever its size), composed by the
    ORM once per process and prepared: composing it cost 7 ms and planning it 1.6 ms of a 50-credential batch's
    119 ms, as much as signing eight credentials."""
    batch = any_of("pk", _ANY_BATCH, BigIntegerField())
    return fixed_query(_enrolments().filter(batch), placeholder=_ANY_BATCH)


def issue_reads(*, enrolment_ids: Sequence[int]) -> dict[int, IssueRead | None]:
    """`issue_read` of each enrolment, in one query; enrolments that do not exist are left out."""
    badges: dict[int, Achievement] = {}  # one object a badge, with its issuer and course, for the whole batch
    if connection.vendor == "postgresql":
        found = cast(list[Enrolment], _issue_batch_query().objects(list(enrolment_ids)))
    else:
        found = list(_enrolments().filter(pk__in=enrolment_ids))
    by_id = {enrolment.pk: _read(enrolment, badges=badges) for enrolment in found}
    return {enrolment_id: by_id[enrolment_id] for enrolment_id in enrolment_ids if enrolment_id in by_id}


def _read(enrolment: Enrolment, *, badges: dict[int, Achievement]) -> IssueRead | None:
    """`badges`: the achievements built so far, by id, to reuse."""
    try:
        achievement = enrolment.course.achievement
    except Achievement.DoesNotExist:  # the course has no badge
        return None
    if enrolment.completed_at is None:
        return None
    achievement = badges.setdefault(achievement.pk, achievement)
    facts = enrolment.__dict__  # the annotations
    newest = (
        NewestList(facts["list_id"], facts["list_number"], facts["list_size"], facts["list_allocated"])
        if facts["list_id"] is not None
        else None
    )
    return IssueRead(
        learner=enrolment.user,
        achievement=achievement,
        grade=enrolment.final_grade,
        key=(facts["key_fragment"], facts["key_token"]) if facts["key_token"] else None,
        awarded=facts["awarded"],
        in_pathway=facts["in_pathway"],
        status_list=newest,
        skills=(facts["course_skills"] or []) if "course_skills" in facts else None,
    )
