"""Project wiring between apps that may not import each other (see DESIGN.md, "who may import whom").

The organization dashboard shows the badges its staff earned: organizations offers the
`stackable_org_dashboard_context` hook and badges holds the awards, but neither may import the other, so the
project (which already composes every app in its URLs and demo seed) joins them here. It reads badges through
its public queryset (`Award.objects.in_good_standing()`) and links each badge to its public verification page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest
from wagtail import hooks

ORG_BADGES_SHOWN = 25


@hooks.register("stackable_org_dashboard_context")
def org_dashboard_badges(request: HttpRequest, *, organization: Any, staff: QuerySet) -> dict[str, Any]:
    """The latest badges of the organization's staff, with their verification links: one query."""
    from badges.models import Award

    awards = Award.objects.in_good_standing().filter(learner_id__in=staff)
    latest = list(
        awards.select_related("learner", "achievement", "pathway")
        # The window counts every matching award before the slice: the total comes with the page, one query.
        .annotate(total=Window(Count("pk")))
        .order_by("-awarded_at", "-pk")[:ORG_BADGES_SHOWN]
    )
    return {
        "org_dashboard_templates": ["lms/org_dashboard_badges.html"],
        "staff_awards": latest,
        "staff_awards_total": latest[0].total if latest else 0,
    }
