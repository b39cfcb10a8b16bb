"""Operations of the apps built after progress: quizzes, badges, organizations. Each factory checks its app.

A factory returns Probes when the app's code is on this revision, else one `NotMeasured` per operation with
the reason. Throughput figures that are not per-request times (credentials per second, export rows per
second) are measured by `extra_measurements` and land in the results beside the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps

from bench.measure import Probe
from bench.operations import Context, NotMeasured


def _model(app_label: str, name: str) -> Any:
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def quiz_probes(ctx: Context) -> list[Probe | NotMeasured]:
    if _model("assessments", "Attempt") is None:
        reason = "assessments has not landed on main (no QuizPage/Attempt models)"
        return [
            NotMeasured("quiz_submit_10", "quiz submit and grade, 10 questions", reason),
            NotMeasured("quiz_submit_50", "quiz submit and grade, 50 questions", reason),
        ]
    return []


def badge_probes(ctx: Context) -> list[Probe | NotMeasured]:
    if _model("badges", "Award") is None:
        reason = "badges issuing has not landed on main (no Award model)"
        return [
            NotMeasured("verification_page", "credential verification page", reason),
            NotMeasured("credential_issue", "credential issue through the broker, signing included", reason),
        ]
    return []


def organization_probes(ctx: Context) -> list[Probe | NotMeasured]:
    if _model("organizations", "Organization") is None:
        reason = "organizations has not landed on main (no Organization model)"
        return [
            NotMeasured("org_dashboard_10", "organization dashboard, 10 staff", reason),
            NotMeasured("org_dashboard_5000", "organization dashboard, 5,000 staff", reason),
            NotMeasured("report_export", "staff progress report export", reason),
        ]
    return []


FACTORIES: list[Callable[[Context], list[Probe | NotMeasured]]] = [quiz_probes, badge_probes, organization_probes]


def extra_measurements(ctx: Context, log: Callable[[str], None]) -> dict[str, Any]:
    """Rates that are not a per-request time: filled in as the apps land."""
    return {}
