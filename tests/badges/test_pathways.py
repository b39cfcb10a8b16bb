"""Pathways: all of a set, N of M, within a time window, in order; earned automatically with evidence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from badges import services
from badges.models import Award, PathwayRule
from badges.services import award_issue, award_revoke, pathway_evaluate_all, pathway_rule_satisfied, pathways
from lms.models import OutboxMessage
from tests.badges.conftest import make_achievement, make_pathway
from tests.badges.helpers import verify_award
from tests.factories import make_user

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


def _holders(issuer, components, count):
    """`count` learners holding every component, issued before any pathway counts them."""
    learners = [make_user() for _n in range(count)]
    for learner in learners:
        for component in components:
            award_issue(learner=learner, achievement=component)
    return learners


@pytest.mark.django_db
def test_a_pathway_created_after_its_learners_qualify_is_issued_to_them(
    issuer, learner, django_capture_on_commit_callbacks
):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    (qualified,) = _holders(issuer, components, 1)
    award_issue(learner=learner, achievement=components[0])  # one of two: not yet
    pathway = make_pathway(issuer, components)
    with django_capture_on_commit_callbacks(execute=True):
        assert pathway_evaluate_all(pathway=pathway, user=make_user(is_superuser=True)) == 2
    award = Award.objects.get(pathway=pathway)
    assert award.learner == qualified and len(award.credential["evidence"]) == 2
    assert verify_award(award).status == "valid"


@pytest.mark.django_db
def test_learners_are_evaluated_in_batches_of_outbox_messages(issuer, monkeypatch):
    monkeypatch.setattr(pathways, "PATHWAY_BATCH_SIZE", 2)
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    learners = _holders(issuer, components, 5)
    pathway = make_pathway(issuer, components)
    pathway_evaluate_all(pathway=pathway, user=None)  # recorded; published after a commit that never comes here
    messages = OutboxMessage.objects.filter(handler="badges.pathway_evaluate_batch").order_by("pk")
    assert [m.payload["learner_ids"] for m in messages] == [
        [learners[0].pk, learners[1].pk],
        [learners[2].pk, learners[3].pk],
        [learners[4].pk],
    ]
    assert {m.payload["pathway_id"] for m in messages} == {pathway.pk}


@pytest.mark.django_db
def test_evaluating_again_issues_nothing_twice_and_never_a_revoked_pathway(issuer, django_capture_on_commit_callbacks):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    first, second = _holders(issuer, components, 2)
    pathway = make_pathway(issuer, components)
    services.pathway_issue_to_learners(pathway_id=pathway.pk, learner_ids=[first.pk, second.pk])
    award_revoke(award=Award.objects.get(pathway=pathway, learner=first), user=make_user(is_superuser=True), reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        assert pathway_evaluate_all(pathway=pathway, user=None) == 0  # both hold it (one revoked)
    services.pathway_issue_to_learners(pathway_id=pathway.pk, learner_ids=[first.pk, second.pk])
    assert Award.objects.filter(pathway=pathway).count() == 2
    assert Award.objects.get(pathway=pathway, learner=first).revoked_at is not None


@pytest.mark.django_db
def test_an_instructor_may_not_re_evaluate_a_pathway(issuer):
    pathway = make_pathway(issuer, [make_achievement(issuer)])
    with pytest.raises(PermissionDenied):
        pathway_evaluate_all(pathway=pathway, user=make_user(instructor=True))


@pytest.mark.django_db
def test_saving_a_pathway_in_the_admin_issues_it_to_learners_who_qualify(
    client, issuer, django_capture_on_commit_callbacks
):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    (qualified,) = _holders(issuer, components, 1)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    data = {
        "issuer": issuer.pk,
        "name": "Cloud Systems Specialist",
        "slug": "cloud-systems-specialist",
        "description": "Stacks the Cloud badges.",
        "criteria": "Earn both.",
        "rule": "all",
        "components-TOTAL_FORMS": "2",
        "components-INITIAL_FORMS": "0",
        "components-MIN_NUM_FORMS": "1",
        "components-MAX_NUM_FORMS": "1000",
    }
    for n, component in enumerate(components):
        data |= {f"components-{n}-achievement": component.pk, f"components-{n}-ORDER": n + 1, f"components-{n}-id": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailsnippets_badges_pathway:add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    award = Award.objects.get(pathway__slug="cloud-systems-specialist")
    assert award.learner == qualified


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_a_batch_issue_one_pathway_award_each(issuer):
    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    learners = _holders(issuer, components, 3)
    pathway = make_pathway(issuer, components)
    ids = [learner.pk for learner in learners]
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        try:
            barrier.wait()
            services.pathway_issue_to_learners(pathway_id=pathway.pk, learner_ids=ids)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    awards = Award.objects.filter(pathway=pathway)
    assert sorted(awards.values_list("learner_id", flat=True)) == sorted(ids)
    assert all(verify_award(award).status == "valid" for award in awards)
