"""Seat bundles with their counts, and the prerequisites members or invitees lack for a bundle's course."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from content.models import CoursePage
from lms.models import User
from organizations.learning import enrolment_annotations, prerequisites_missing, users_lacking_prerequisites
from organizations.models import Invitation, Membership, Organization, Seat, SeatBundle, SeatState


def _count_of(rows: QuerySet) -> Subquery:
    """`rows` counted as a scalar subquery (an aggregate without GROUP BY: always one row, 0 when none)."""
    return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def bundles_with_counts(*, organization: Organization) -> QuerySet[SeatBundle]:
    """The organization's bundles with `seats_reserved` (open invitations) and `seats_available` (bought − used −
    reserved): what an admin may still assign or invite onto."""
    reserved = Coalesce(_count_of(Invitation.objects.open().filter(bundle=OuterRef("pk"))), 0)
    return (
        SeatBundle.objects.filter(organization=organization)
        .select_related("course")
        .annotate(seats_reserved=reserved)
        .annotate(seats_available=F("seats_bought") - F("seats_used") - F("seats_reserved"))
        .order_by("course__title", "pk")
    )


def prerequisites_lacked_by_address(*, email: str, course: CoursePage) -> list[str]:
    """The titles of `course`'s prerequisites the holder of `email` has not completed (all, for a new address)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return sorted(course.prerequisites.values_list("title", flat=True))
    return sorted(prerequisite.title for prerequisite in prerequisites_missing(user=user, course=course))


def bundles_for_admin(*, organization: Organization) -> list[SeatBundle]:
    return list(bundles_with_counts(organization=organization))


@dataclass(frozen=True)
class PrerequisiteGap:
    """A bundle's course needs prerequisites: which they are, and which members (or invitees) lack them."""

    bundle: SeatBundle
    prerequisites: list[str]
    lacking: list[str]


def prerequisite_gaps(*, bundles: list[SeatBundle], members: list[Membership]) -> dict[int, PrerequisiteGap]:
    """For each bundle whose course has prerequisites (by bundle id): the members who have not completed them.

    Three queries whatever the number of bundles and members.
    """
    course_ids = sorted({bundle.course_id for bundle in bundles})
    titles: dict[int, list[str]] = {}
    for course_id, title in CoursePage.prerequisites.through.objects.filter(
        from_coursepage_id__in=course_ids
    ).values_list("from_coursepage_id", "to_coursepage__title"):
        titles.setdefault(course_id, []).append(title)
    if not titles:
        return {}
    emails = {membership.user_id: membership.user.email for membership in members}
    lacking = users_lacking_prerequisites(user_ids=list(emails), course_ids=list(titles))
    return {
        bundle.pk: PrerequisiteGap(
            bundle=bundle,
            prerequisites=sorted(titles[bundle.course_id]),
            lacking=sorted(emails[user_id] for user_id in lacking.get(bundle.course_id, set())),
        )
        for bundle in bundles
        if bundle.course_id in titles
    }


def seats_of_bundles(*, organization: Organization) -> QuerySet[Seat]:
    return (
        Seat.objects.filter(bundle__organization=organization, state=SeatState.ASSIGNED)
        .select_related("user", "bundle__course")
        .annotate(**enrolment_annotations(user_ref="user", course_ref="bundle__course"))
        .order_by("bundle__course__title", "user__email")
    )
