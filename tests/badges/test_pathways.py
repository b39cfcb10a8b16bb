"""Pathways: all of a set, N of M, within a time window, in order; earned automatically with evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from badges.models import Award, PathwayRule
from badges.services import award_issue, pathway_rule_satisfied
from tests.badges.conftest import make_achievement, make_pathway

DAY = timedelta(days=1)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_all_needs_every_component():
    assert pathway_rule_satisfied(components=[(1, T0), (2, T0), (3, None)], needed=3, window=None, ordered=False) == ()
    assert pathway_rule_satisfied(components=[(1, T0), (2, T0), (3, T0)], needed=3, window=None, ordered=False) == (
        1,
        2,
        3,
    )


def test_n_of_m_needs_n_of_the_set():
    components = [(1, None), (2, T0), (3, T0 + DAY)]
    assert pathway_rule_satisfied(components=components, needed=2, window=None, ordered=False) == (2, 3)
    assert pathway_rule_satisfied(components=components, needed=3, window=None, ordered=False) == ()


def test_the_window_bounds_the_first_and_last_badge_counted():
    components = [(1, T0), (2, T0 + 10 * DAY), (3, T0 + 40 * DAY)]
    assert pathway_rule_satisfied(components=components, needed=3, window=30 * DAY, ordered=False) == ()
    assert pathway_rule_satisfied(components=components, needed=2, window=30 * DAY, ordered=False) == (1, 2)
    assert pathway_rule_satisfied(components=components, needed=3, window=45 * DAY, ordered=False) == (1, 2, 3)


def test_order_needs_the_badges_earned_in_the_listed_order():
    out_of_order = [(1, T0 + 2 * DAY), (2, T0 + DAY), (3, T0 + 3 * DAY)]
    assert pathway_rule_satisfied(components=out_of_order, needed=3, window=None, ordered=True) == ()
    assert pathway_rule_satisfied(components=out_of_order, needed=3, window=None, ordered=False) == (1, 2, 3)
    assert pathway_rule_satisfied(components=out_of_order, needed=2, window=None, ordered=True) == (1, 3)


def test_order_and_window_combine():
    components = [(1, T0), (2, T0 + 50 * DAY), (3, T0 + 5 * DAY)]
    assert pathway_rule_satisfied(components=components, needed=2, window=10 * DAY, ordered=True) == (1, 3)
    assert pathway_rule_satisfied(components=components, needed=3, window=None, ordered=True) == ()


@pytest.mark.django_db
def test_earning_the_last_badge_issues_the_pathway_with_the_components_as_evidence(issuer, learner):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(3)]
    pathway = make_pathway(issuer, components)
    first = [award_issue(learner=learner, achievement=a) for a in components[:2]]
    assert not Award.objects.filter(pathway=pathway).exists()
    last = award_issue(learner=learner, achievement=components[2])
    award = Award.objects.get(pathway=pathway, learner=learner)
    credential = award.credential
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    assert [item["id"] for item in credential["evidence"]] == [a.url for a in [*first, last]]
    assert all(item["type"] == ["Evidence"] for item in credential["evidence"])
    from tests.badges.helpers import verify_award

    assert verify_award(award).status == "valid"


@pytest.mark.django_db
def test_n_of_m_pathway_is_issued_once_at_n(issuer, learner):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(3)]
    pathway = make_pathway(issuer, components, rule=PathwayRule.SOME, required_count=2)
    award_issue(learner=learner, achievement=components[0])
    award_issue(learner=learner, achievement=components[1])
    award_issue(learner=learner, achievement=components[2])
    assert Award.objects.filter(pathway=pathway).count() == 1
    assert len(Award.objects.get(pathway=pathway).credential["evidence"]) == 2


@pytest.mark.django_db
def test_the_wallet_shows_pathway_progress(client, issuer, learner):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(3)]
    make_pathway(issuer, components)
    award_issue(learner=learner, achievement=components[0])
    award_issue(learner=learner, achievement=components[1])
    client.force_login(learner)
    response = client.get("/dashboard/badges/")
    assert "2 of 3" in response.content.decode()
