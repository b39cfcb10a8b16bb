"""The learner dashboard shows the badges earned and the progress towards pathways."""

import pytest

from badges.models import Award
from badges.services import award_issue, award_revoke
from tests.badges.conftest import make_achievement, make_pathway
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_dashboard_invites_to_earn_a_first_badge(client, learner):
    client.force_login(learner)
    body = client.get("/dashboard/").content.decode()
    assert "Complete a course to earn your first verifiable badge." in body


def test_the_dashboard_lists_earned_badges_with_their_verification_link(client, learner, achievement):
    award = award_issue(learner=learner, achievement=achievement)
    client.force_login(learner)
    body = client.get("/dashboard/").content.decode()
    assert f"/credentials/{award.code}/" in body
    assert achievement.name in body


def test_the_dashboard_shows_progress_towards_a_pathway(client, learner, issuer):
    first, second, third = (make_achievement(issuer, name=f"Part {n}") for n in (1, 2, 3))
    pathway = make_pathway(issuer, [first, second, third])
    award_issue(learner=learner, achievement=first)
    award_issue(learner=learner, achievement=second)
    client.force_login(learner)
    body = client.get("/dashboard/").content.decode()
    assert pathway.name in body
    assert "2 of 3" in body


def test_a_revoked_badge_is_marked_revoked_on_the_dashboard(client, learner, achievement):
    award = award_issue(learner=learner, achievement=achievement)
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Issued by mistake")
    client.force_login(learner)
    body = client.get("/dashboard/").content.decode()
    item = body.split(f"/credentials/{award.code}/", 1)[1].split("</li>", 1)[0]
    assert "Revoked" in item


def test_a_revoked_pathway_is_marked_revoked_in_its_progress(client, learner, issuer):
    first, second = (make_achievement(issuer, name=f"Part {n}") for n in (1, 2))
    pathway = make_pathway(issuer, [first, second])
    award_issue(learner=learner, achievement=first)
    award_issue(learner=learner, achievement=second)
    pathway_award = Award.objects.get(pathway=pathway)
    award_revoke(award=pathway_award, user=make_user(is_superuser=True), reason="Exam fraud")
    client.force_login(learner)
    body = client.get("/dashboard/").content.decode()
    progress = body.split("<strong>Cloud Systems Specialist</strong>", 1)[1].split("</li>", 1)[0]
    assert "Revoked" in progress


def test_the_course_page_says_a_revoked_badge_is_revoked(client, learner, achievement):
    award = award_issue(learner=learner, achievement=achievement)
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Issued by mistake")
    client.force_login(learner)
    panel = client.get(f"/dashboard/badges/courses/{achievement.course_id}/badge/").content.decode()
    assert "Badge revoked" in panel and "Badge earned" not in panel
    assert f"/credentials/{award.code}/" in panel
