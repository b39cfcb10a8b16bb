"""Reads for the badge pages, each with a fixed number of queries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal, cast
from urllib.parse import quote, urlencode

import bleach
import markdown
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.expressions import RawSQL
from django.utils import timezone

from badges import statements
from badges.models import Achievement, Award, AwardStatus, BadgeText, Issuer, Pathway, StatusList
from badges.ob3.did import did_web
from badges.ob3.proof import parse_datetime
from badges.services import issuer_did_document, pathway_status
from lms.db import FixedQuery, fixed_query
from lms.models import User

LiveStatus = Literal["valid", "expired", "revoked"]

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/"


def award_by_code(*, code: str) -> Award | None:
    """An issued award with everything its public page shows: one query."""
    return (
        Award.objects.filter(code=code, status=AwardStatus.ISSUED)
        .select_related("learner", "achievement__issuer", "pathway__issuer")
        .first()
    )


def award_for_verification(*, code: str) -> Award | None:
    """An issued award with the live facts of its verification page (status, holder's name): one query.

    The row, the learner and the badge (with its course, for the badge's language): what the badge says comes
    from the signed credential, or from the badge's wording in the visitor's language when the credential was
    written in the other one (`shown_text`). Prepared, composed once per process (badges.statements).
    """
    return statements.award_for_verification(code=code)


def credential_json_by_code(*, code: str) -> str | None:
    """The signed credential of an issued award, as stored: one query."""
    return Award.objects.filter(code=code, status=AwardStatus.ISSUED).values_list("credential_json", flat=True).first()


def live_status(award: Award, *, now: datetime | None = None) -> LiveStatus:
    if award.is_revoked:
        return "revoked"
    if award.is_expired(now):
        return "expired"
    return "valid"


@dataclass(frozen=True)
class CredentialFacts:
    """What a signed credential says, read for the page. The stored credential never changes after issue, so
    these are derived once per credential text and shared (read-only) by every request that shows it."""

    credential: dict[str, Any]
    issuer: dict[str, Any]
    achievement: dict[str, Any]
    skills: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    image_url: str | None
    valid_until: datetime | None
    criteria_html: str


@lru_cache(maxsize=256)
def credential_facts(credential_json: str) -> CredentialFacts:
    """Parse the credential and render its Markdown criteria; memoised by the (immutable) credential text."""
    credential = json.loads(credential_json)
    achievement = credential["credentialSubject"]["achievement"]
    return CredentialFacts(
        credential=credential,
        issuer=credential["issuer"],
        achievement=achievement,
        skills=achievement.get("alignment", []),
        evidence=credential.get("evidence", []),
        image_url=(achievement.get("image") or {}).get("id"),
        valid_until=parse_datetime(credential.get("validUntil")),
        criteria_html=markdown_html(achievement.get("criteria", {}).get("narrative", "")),
    )


@dataclass(frozen=True)
class ShownText:
    """The achievement's name, description and criteria (HTML) as the verification page shows them; `lang` is
    their language when it is not the page's (the element carries it), else empty."""

    name: str
    description: str
    criteria_html: str
    lang: str


def badge_text_for_visitor(*, award: Award, language: str) -> BadgeText | None:
    """The badge's wording in the visitor's `language` when the award's credential was written in another one and
    the badge has that wording; else None (the page shows what the credential says)."""
    written = credential_facts(award.credential_json).achievement.get("inLanguage") or award.badge_class.language
    if written == language:
        return None
    text = award.badge_class.text(language)
    return text if text.language == language else None


def shown_text(*, facts: CredentialFacts, language: str, text: BadgeText | None) -> ShownText:
    """What the page shows of the achievement in `language`: the badge's wording in that language (`text`, from
    `badge_text_for_visitor`), else the credential's, marked with its language when it differs."""
    if text is not None:
        return ShownText(text.name, text.description, markdown_html(text.criteria), "")
    written = str(facts.achievement.get("inLanguage") or language)
    return ShownText(
        facts.credential["name"],
        facts.achievement.get("description", ""),
        facts.criteria_html,
        "" if written == language else written,
    )


@dataclass(frozen=True)
class Verification:
    """The public verification page of one award: the credential stored at issue, and the live facts of the row."""

    award: Award
    facts: CredentialFacts
    status: LiveStatus
    learner_name: str | None

    @property
    def credential(self) -> dict[str, Any]:
        return self.facts.credential

    @property
    def issuer(self) -> dict[str, Any]:
        return self.facts.issuer

    @property
    def achievement(self) -> dict[str, Any]:
        return self.facts.achievement

    @property
    def skills(self) -> list[dict[str, Any]]:
        return self.facts.skills

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return self.facts.evidence

    @property
    def image_url(self) -> str | None:
        return self.facts.image_url

    @property
    def valid_until(self) -> datetime | None:
        return self.facts.valid_until

    @property
    def criteria_html(self) -> str:
        return self.facts.criteria_html


def verification_for(*, award: Award, now: datetime | None = None) -> Verification:
    """No query beyond `award_for_verification`. The status and the holder's name are read live from the row
    on every request (a revocation shows at once); what the badge says comes from its signed credential."""
    return Verification(
        award=award,
        facts=credential_facts(award.credential_json),
        status=live_status(award, now=now),
        learner_name=award.learner.get_full_name() if award.name_public else None,
    )


CRITERIA_TAGS = ["p", "ul", "ol", "li", "strong", "em", "code", "a", "br", "h3", "h4"]


@lru_cache(maxsize=256)
def markdown_html(text: str) -> str:
    """Markdown criteria as HTML, cleaned with an allow-list (what the page may show, whoever wrote it).

    Memoised by the text (a pure function of it): every credential of a badge carries the same criteria, so a
    credential never shown before reuses its badge's (Markdown and the sanitiser were 0.3 ms of a cold page)."""
    html = markdown.markdown(text)
    return bleach.clean(html, tags=CRITERIA_TAGS, attributes={"a": ["href"]}, protocols=["https", "http"], strip=True)


def linkedin_add_to_profile_url(*, award: Award, credential: dict[str, Any] | None = None) -> str:
    """LinkedIn's "Add to profile" link for a certification, every value URL-encoded."""
    credential = credential or json.loads(award.credential_json)
    issuer = award.badge_class.issuer
    params: list[tuple[str, str]] = [("startTask", "CERTIFICATION_NAME"), ("name", credential["name"])]
    if issuer.linkedin_organization_id:
        params.append(("organizationId", issuer.linkedin_organization_id))
    else:
        params.append(("organizationName", issuer.name))
    issued = award.awarded_at.astimezone(UTC)
    params += [("issueYear", str(issued.year)), ("issueMonth", str(issued.month))]
    if award.valid_until is not None:
        expires = award.valid_until.astimezone(UTC)
        params += [("expirationYear", str(expires.year)), ("expirationMonth", str(expires.month))]
    params += [("certUrl", award.url), ("certId", award.code)]
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params, quote_via=quote, safe='')}"


def linkedin_share_url(*, url: str) -> str:
    return f"{LINKEDIN_SHARE}?{urlencode({'url': url}, quote_via=quote, safe='')}"


def issuer_by_slug(*, slug: str) -> Issuer | None:
    return Issuer.objects.filter(slug=slug).first()


def did_document_for(*, slug: str) -> dict[str, Any] | None:
    issuer = issuer_by_slug(slug=slug)
    if issuer is None or not issuer.keys.exists():
        return None
    return issuer_did_document(issuer=issuer)


def status_list_json(*, slug: str, number: int) -> str | None:
    row = StatusList.objects.filter(issuer__slug=slug, number=number).values_list("credential_json", flat=True).first()
    return row or None


# --- resolvers for the "verify a credential" form: our own issuers and lists, from the database ----------


def did_resolver(did: str) -> dict[str, Any] | None:
    prefix = did_web(settings.SITE_URL, "x")[:-1]
    if not did.startswith(prefix):
        return None
    return did_document_for(slug=did[len(prefix) :])


def status_fetcher(url: str) -> dict[str, Any] | None:
    prefix = f"{settings.SITE_URL}/status/"
    if not url.startswith(prefix):
        return None
    slug, _, number = url[len(prefix) :].partition("/")
    if not number.isdigit():
        return None
    text = status_list_json(slug=slug, number=int(number))
    return json.loads(text) if text else None


# --- the learner's wallet ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathwayProgress:
    pathway: Pathway
    earned: int
    needed: int
    award: Award | None


@dataclass
class Wallet:
    awards: list[Award] = field(default_factory=list)
    pathways: list[PathwayProgress] = field(default_factory=list)


def wallet_for_learner(*, user: User, with_issuers: bool = True) -> Wallet:
    """The learner's awards and their progress towards pathways: four queries, one when none is earned yet.

    With `with_issuers=False` (the dashboard's section, which names the badges only) the awards are read without
    joins, and their achievements and pathways are fetched only when there are awards to show.
    """
    awards_query = Award.objects.filter(learner=user).order_by("-awarded_at", "-pk")
    if with_issuers:
        awards_query = awards_query.select_related("achievement__issuer", "achievement__course", "pathway__issuer")
    else:
        awards_query = awards_query.prefetch_related("achievement__course", "pathway")
    awards = list(awards_query)
    earned_at = {
        award.achievement_id: award.awarded_at
        for award in awards
        if award.achievement_id
        and award.status == AwardStatus.ISSUED
        and not award.is_revoked
        and not award.is_expired()
    }
    if not earned_at:  # no pathway has a component earned: nothing to show, and no query to ask
        return Wallet(awards=awards, pathways=[])
    pathway_awards = {award.pathway_id: award for award in awards if award.pathway_id}
    pathways = (
        Pathway.objects.filter(components__achievement_id__in=list(earned_at))
        .distinct()
        .prefetch_related("components")
        .order_by("name")
    )
    progress = []
    for pathway in pathways:
        status = pathway_status(pathway=pathway, earned_at=earned_at)
        progress.append(
            PathwayProgress(
                pathway=pathway, earned=status.earned, needed=status.needed, award=pathway_awards.get(pathway.pk)
            )
        )
    return Wallet(awards=awards, pathways=progress)


def learner_award(*, user: User, code: str) -> Award | None:
    return (
        Award.objects.filter(learner=user, code=code, status=AwardStatus.ISSUED)
        .select_related("learner", "achievement__issuer", "pathway__issuer")
        .first()
    )


# --- the course page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseBadge:
    achievement: Achievement
    code: str | None
    state: Literal["issuing", "issued", "revoked", "failed", "not_earned"]


def course_badge_for(*, user: User, course_id: int) -> CourseBadge | None:
    """The badge of a course for a learner: earned, being issued (completed, not signed yet), or not yet.

    One query: the achievement, with the learner's award and completion as annotations.
    """
    from progress.models import Enrolment

    if not user.is_authenticated:
        return None
    awards = Award.objects.filter(learner=user, achievement=OuterRef("pk"))
    achievement = (
        Achievement.objects.filter(course_id=course_id)
        .annotate(
            award_status=Subquery(awards.values("status")[:1]),
            award_code=Subquery(awards.values("code")[:1]),
            award_revoked=Exists(awards.filter(revoked_at__isnull=False)),
            completed=Exists(Enrolment.objects.filter(user=user, course_id=course_id, completed_at__isnull=False)),
        )
        .first()
    )
    if achievement is None:
        return None
    status, code = achievement.award_status, achievement.award_code  # type: ignore[attr-defined]
    if status == AwardStatus.ISSUED:
        return CourseBadge(achievement, code, "revoked" if achievement.award_revoked else "issued")  # type: ignore[attr-defined]
    if status == AwardStatus.FAILED:
        return CourseBadge(achievement, None, "failed")
    issuing = status is not None or achievement.completed  # type: ignore[attr-defined]
    return CourseBadge(achievement, None, "issuing" if issuing else "not_earned")


ORG_BADGES_SHOWN = 25
# What the organization dashboard shows of an award (badges/includes/org_dashboard_badges.html): the learner, the
# badge's wording in each language and its course's language (`BadgeClass.text`), when, revoked or not, the code.
_BADGE_TEXT = ("name", "description", "criteria", "name_fr", "description_fr", "criteria_fr")
_STAFF_AWARD_FIELDS = (
    *("code", "awarded_at", "revoked_at", "learner__display_name", "learner__email"),
    *(f"{badge}__{name}" for badge in ("achievement", "pathway") for name in _BADGE_TEXT),
    "achievement__course__language",
)
# No award is compared with this moment: the staff's awards are composed with it, then run with the present.
_ANY_MOMENT = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


class _StaffParameter:
    """Stands for one parameter of the staff's subquery in the composed statement (equal only to itself)."""


def _staff_awards_queryset(*, staff: Any, now: datetime, limit: int) -> QuerySet[Award]:
    return (
        Award.objects.issued()
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .filter(learner_id__in=staff)
        .select_related("learner", "achievement__course", "pathway")  # the course: the badge's own language
        .only(*_STAFF_AWARD_FIELDS)
        # The window counts every matching award before the slice: the total comes with the page.
        .annotate(total=Window(Count("pk")))
        .order_by("-awarded_at", "-pk")[:limit]
    )


@lru_cache(maxsize=16)
def _staff_awards_query(staff_sql: str, staff_parameters: int, limit: int) -> FixedQuery:
    """`_staff_awards_queryset` for a staff subquery of this SQL, composed by the ORM once per process and run
    prepared: composing its joins (Wagtail's course page among them) cost more than running it, on every dashboard."""
    stand_ins = tuple(_StaffParameter() for _ in range(staff_parameters))
    staff = RawSQL(staff_sql, stand_ins)  # noqa: S611  # the staff queryset's own SQL, as the ORM composed it
    queryset = _staff_awards_queryset(staff=staff, now=_ANY_MOMENT, limit=limit)
    return fixed_query(queryset, placeholders=(_ANY_MOMENT, *stand_ins))


def staff_awards(*, staff: QuerySet, limit: int = ORG_BADGES_SHOWN) -> tuple[Sequence[Award], int]:
    """The latest unexpired badges of an organization's staff, revoked ones included (the page marks them), (`staff`:
    a queryset of user ids, given by organizations through its dashboard hook), and how many there are in all: one
    query. Only the fields the dashboard shows are read."""
    staff_sql, staff_params = staff.query.sql_with_params()
    query = _staff_awards_query(staff_sql, len(staff_params), limit)
    latest = cast(list[Award], query.objects(timezone.now(), *staff_params))
    return latest, (latest[0].total if latest else 0)  # type: ignore[attr-defined]


# --- issuing a badge to a course's completers (admin) -----------------------------------------------------


@dataclass(frozen=True)
class IssueSummary:
    """Where a course's completers stand with its badge, for the admin page that issues it to them."""

    completed: int  # learners who completed the course
    issued: int  # of them, holding the badge (revoked ones included: they are never issued again)
    failed: int  # of them, with an award that failed (shown to admins with its error)
    issuing: int  # of them, with an award being issued now

    @property
    def pending(self) -> int:
        """Completers without the badge: what issuing to them would queue (failed and stuck awards included)."""
        return self.completed - self.issued


def unissued_completions(*, achievement: Achievement) -> QuerySet:
    """The completed enrolments of the achievement's course whose learner holds no issued award of it."""
    from progress.models import Enrolment

    issued = Award.objects.filter(achievement=achievement, learner_id=OuterRef("user_id"), status=AwardStatus.ISSUED)
    return Enrolment.objects.filter(
        course_id=achievement.course_id, course_id__isnull=False, completed_at__isnull=False
    ).filter(~Exists(issued))


def achievement_issue_summary(*, achievement: Achievement) -> IssueSummary:
    """One query: the course's completers, counted by the status of their award of the achievement."""
    from progress.models import Enrolment

    status = Award.objects.filter(achievement=achievement, learner_id=OuterRef("user_id")).values("status")[:1]
    counts = (
        Enrolment.objects.filter(course_id=achievement.course_id, course_id__isnull=False, completed_at__isnull=False)
        .annotate(award_status=Subquery(status))
        .aggregate(
            completed=Count("pk"),
            issued=Count("pk", filter=Q(award_status=AwardStatus.ISSUED)),
            failed=Count("pk", filter=Q(award_status=AwardStatus.FAILED)),
            issuing=Count("pk", filter=Q(award_status=AwardStatus.ISSUING)),
        )
    )
    return IssueSummary(**counts)
