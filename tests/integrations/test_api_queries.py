"""The query count of each read, pinned, and the same whatever the number of rows (a page of 2 or of 6)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges.services import award_issue
from organizations.services import invitation_create, seat_assign
from progress.services import enrolment_create
from tests.badges.conftest import make_achievement
from tests.factories import make_course
from tests.integrations.test_api_credentials import make_issuer
from tests.org_factories import make_bundle, make_member

pytestmark = pytest.mark.django_db

# Each: the token (one query: its subject and its creator's role), then the endpoint's own reads.
EXPECTED = {
    "/api/v1/organization/bundles": 2,
    "/api/v1/organization/invitations": 2,
    "/api/v1/organization/progress": 2,
    "/api/v1/organization/credentials": 2,
    "/api/v1/me/enrolments": 2,  # the token, the dashboard's enrolments (translations only of foreign pages: none)
    "/api/v1/me/credentials": 5,  # the wallet: awards, their badges and courses, pathways, the pathways earned
    "/api/v1/catalog/courses": 5,  # the catalog's courses, their skills, their languages; the locale; the badges
}


def _rows(org, admin, learner, issuer, n: int) -> None:
    for _ in range(n):
        course = make_course(lessons_per_module=1)
        bundle = make_bundle(org, seats=3, course=course)
        member = make_member(org)
        seat_assign(bundle=bundle, user=member, actor=admin)
        invitation_create(organization=org, email=f"invited-{member.pk}@example.test", actor=admin)
        achievement = make_achievement(issuer, course=course)
        award_issue(learner=member, achievement=achievement)
        enrolment_create(user=learner, course=course)
        award_issue(learner=learner, achievement=achievement)


def _counts(org_api, learner_api) -> dict[str, int]:
    counts = {}
    for path in EXPECTED:
        caller = learner_api if path.startswith(("/api/v1/me", "/api/v1/catalog")) else org_api
        caller.get(path)  # the token's first use writes its last_used_at; caches warm
        with CaptureQueriesContext(connection) as captured:
            assert caller.get(path).status_code == 200, path
        counts[path] = len(captured.captured_queries)
    return counts


def test_each_read_runs_a_fixed_number_of_queries(org_api, learner_api, org, admin, learner):
    issuer = make_issuer()
    _rows(org, admin, learner, issuer, 2)
    small = _counts(org_api, learner_api)
    _rows(org, admin, learner, issuer, 4)
    large = _counts(org_api, learner_api)
    assert small == large == EXPECTED
