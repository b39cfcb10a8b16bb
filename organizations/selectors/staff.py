"""The staff table's filters and rows (the ORM's; the dashboard reads its page in one statement)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from organizations.models import Organization, Seat
from organizations.statements import SORTS, SeatProgress, held_seats

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 50
STATUSES = {
    "not_started": gettext_lazy("Not started"),
    "in_progress": gettext_lazy("In progress"),
    "completed": gettext_lazy("Completed"),
}


@dataclass(frozen=True)
class StaffFilters:
    course: int | None = None
    status: str = ""
    sort: str = "name"
    descending: bool = False

    @classmethod
    def from_query(cls, query: Any) -> StaffFilters:
        course = query.get("course", "")
        status = query.get("status", "")
        sort = query.get("sort", "name")
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        return cls(
            course=int(course) if course.isdigit() else None,
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "name",
            descending=descending,
        )

    def as_query(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "course": self.course or "",
            "status": self.status,
            "sort": ("-" if self.descending else "") + self.sort,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


def staff_rows(*, organization: Organization, filters: StaffFilters) -> QuerySet[WithAnnotations[Seat, SeatProgress]]:
    """One row per held seat: the learner, the course, and how far they are (joins, no per-row query)."""
    return held_seats(
        organization_id=organization.pk,
        course=filters.course,
        status=filters.status,
        sort=filters.sort,
        descending=filters.descending,
    )
