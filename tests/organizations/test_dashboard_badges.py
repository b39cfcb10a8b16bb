"""The organization dashboard lists the badges its staff earned, each with its verification link."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from badges.models import Achievement, Award
from badges.services import award_issue, award_revoke
from organizations.services import membership_remove
from tests.badges import conftest as badge_fixtures
from tests.badges.conftest import make_achievement
from tests.factories import make_user
from tests.org_factories import make_bundle, make_member, make_org, org_admin
from tests.organizations.staff import staff_on_seats

pytestmark = pytest.mark.django_db

issuer = badge_fixtures.issuer


def dashboard(client, org):
    client.force_login(org_admin(org))
    response = client.get(reverse("organizations:dashboard", args=[org.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_staff_members_badge_shows_with_its_verification_link(client, issuer):
    org = make_org()
    member = make_member(org, display_name="Ada Staff")
    award = award_issue(learner=member, achievement=make_achievement(issuer, name="Linux for the Cloud"))
    page = dashboard(client, org)
    section = page.split('id="staff-badges-heading"', 1)[1]
    assert "Ada Staff" in section and "Linux for the Cloud" in section
    assert f'href="{reverse("badges:credential", kwargs={"code": award.code})}"' in section


def test_badges_of_people_outside_the_organization_are_not_shown(client, issuer):
    org = make_org()
    make_member(org)
    outsider = make_user(display_name="Olga Outsider")
    award_issue(learner=outsider, achievement=make_achievement(issuer, name="Outside badge"))
    page = dashboard(client, org)
    assert "Olga Outsider" not in page and "Outside badge" not in page
    assert "No badge earned by your staff yet" in page


def test_a_leaver_keeps_the_badge_but_leaves_the_dashboard(client, issuer):
    org = make_org()
    member = make_member(org, display_name="Leo Leaver")
    award = award_issue(learner=member, achievement=make_achievement(issuer))
    membership_remove(organization=org, user=member)
    assert "Leo Leaver" not in dashboard(client, org)
    assert award.learner_id == member.pk


def test_a_revoked_badge_is_listed_marked_revoked(client, issuer):
    org = make_org()
    member = make_member(org, display_name="Rita Revoked")
    award = award_issue(learner=member, achievement=make_achievement(issuer, name="Revoked badge"))
    award_revoke(award=award, reason="issued in error", user=make_user(is_superuser=True))
    section = dashboard(client, org).split('id="staff-badges-heading"', 1)[1]
    row = section.split("Revoked badge", 1)[1].split("</tr>", 1)[0]
    assert "Revoked</span>" in row


def test_an_expired_badge_is_not_listed(client, issuer):
    org = make_org()
    member = make_member(org, display_name="Eve Expired")
    award = award_issue(learner=member, achievement=make_achievement(issuer, name="Expired badge"))
    Award.objects.filter(pk=award.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    page = dashboard(client, org)
    assert "Eve Expired" not in page and "Expired badge" not in page


def test_a_badge_shows_in_french_to_a_french_reader_when_it_has_french_wording(
    client, issuer, django_assert_num_queries
):
    from tests.organizations.test_dashboard import DASHBOARD_QUERIES

    org = make_org()
    member = make_member(org, display_name="Fanny Staff")
    achievement = make_achievement(issuer, name="Linux for the Cloud")
    Achievement.objects.filter(pk=achievement.pk).update(
        name_fr="Linux pour le nuage", description_fr="Une description", criteria_fr="Des critères"
    )
    award_issue(learner=member, achievement=achievement)
    client.force_login(org_admin(org))
    with translation.override("fr"):
        url = reverse("organizations:dashboard", args=[org.slug])
    with django_assert_num_queries(DASHBOARD_QUERIES):  # the wording shown was read with the award
        page = client.get(url).content.decode()
    section = page.split('id="staff-badges-heading"', 1)[1]
    assert "Linux pour le nuage" in section and "Fanny Staff" in section


def test_the_badges_section_keeps_the_dashboards_query_count(client, issuer, django_assert_num_queries):
    from tests.organizations.test_dashboard import DASHBOARD_QUERIES

    org = make_org()
    staff_on_seats(org, make_bundle(org, seats=1), 10)
    for n in range(3):
        award_issue(learner=make_member(org), achievement=make_achievement(issuer, name=f"Badge {n}"))
    client.force_login(org_admin(org))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        page = client.get(reverse("organizations:dashboard", args=[org.slug])).content.decode()
    assert "3 badges earned" in page
