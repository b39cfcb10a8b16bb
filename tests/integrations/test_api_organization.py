"""The organization's resources through its token: every endpoint, with each kind of token, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import LessonPage
from organizations.models import Invitation, Seat, SeatBundle, SeatState
from organizations.services import invitation_create, seat_assign
from progress.models import Enrolment
from progress.services import lesson_complete
from tests.org_factories import make_bundle, make_member

pytestmark = pytest.mark.django_db

BUNDLES = "/api/v1/organization/bundles"
SEATS = "/api/v1/organization/seats"
INVITATIONS = "/api/v1/organization/invitations"
PROGRESS = "/api/v1/organization/progress"
CREDENTIALS = "/api/v1/organization/credentials"


def _seat_of(bundle, member, admin) -> Seat:
    return seat_assign(bundle=bundle, user=member, actor=admin)


# --- seat bundles -------------------------------------------------------------------------------------


def test_bundles_list_the_organizations_bundles_with_their_counts(org_api, org, admin, other_org):
    bundle = make_bundle(org, seats=3)
    _seat_of(bundle, make_member(org), admin)
    invitation_create(organization=org, email="new@example.test", actor=admin, bundle=bundle)
    make_bundle(other_org, seats=9)
    answer = org_api.get(BUNDLES)
    assert answer.status_code == 200
    (row,) = answer.json()["items"]
    assert row["id"] == bundle.pk and row["course_title"] == bundle.course.title
    assert (row["seats_bought"], row["seats_used"], row["seats_reserved"], row["seats_available"]) == (3, 1, 1, 1)


def test_bundles_take_a_fixed_number_of_queries(org_api, org, django_assert_num_queries):
    for _ in range(3):
        make_bundle(org)
    org_api.get(BUNDLES)  # the token's first use writes its last_used_at: once a minute, not pinned here
    # the token (one query with its organization, user and creator's role), the bundles with their counts
    with django_assert_num_queries(2):
        assert len(org_api.get(BUNDLES).json()["items"]) == 3


def test_a_learner_token_is_refused_the_organization_resources(learner_api):
    answer = learner_api.get(BUNDLES)
    assert answer.status_code == 403
    assert answer.json()["code"] == "organization_token_required"


# --- seats ------------------------------------------------------------------------------------------


def test_assigning_a_seat_enrols_the_member(org_api, org):
    bundle = make_bundle(org, seats=2)
    member = make_member(org)
    answer = org_api.post(SEATS, {"bundle_id": bundle.pk, "email": member.email.upper()})
    assert answer.status_code == 201, answer.content
    assert answer.json()["user_id"] == member.pk and answer.json()["state"] == "assigned"
    assert Enrolment.objects.filter(user=member, course=bundle.course, source="seat").exists()


def test_a_read_token_may_not_assign_a_seat(org_read_api, org):
    bundle = make_bundle(org)
    member = make_member(org)
    answer = org_read_api.post(SEATS, {"bundle_id": bundle.pk, "email": member.email})
    assert answer.status_code == 403
    assert answer.json()["code"] == "read_only_token"
    assert not Seat.objects.exists()


def test_a_seat_of_another_organizations_bundle_is_not_found(org_api, org, other_org):
    theirs = make_bundle(other_org)
    member = make_member(org)
    answer = org_api.post(SEATS, {"bundle_id": theirs.pk, "email": member.email})
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    assert theirs.course.title not in answer.content.decode()
    assert not Seat.objects.exists()


def test_assigning_to_someone_not_a_member_is_a_field_error(org_api, org, other_org):
    bundle = make_bundle(org)
    outsider = make_member(other_org)
    answer = org_api.post(SEATS, {"bundle_id": bundle.pk, "email": outsider.email})
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"email"}
    assert not Seat.objects.exists()


def test_a_seat_request_missing_fields_answers_400_with_each_field(org_api):
    answer = org_api.post(SEATS, {"bundle_id": "three"})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"bundle_id", "email"}


def test_a_body_that_is_not_json_answers_400(org_api):
    answer = org_api.post(SEATS, b"{not json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"


def test_a_full_bundle_answers_409_and_gives_no_seat(org_api, org, admin):
    bundle = make_bundle(org, seats=1)
    _seat_of(bundle, make_member(org), admin)
    answer = org_api.post(SEATS, {"bundle_id": bundle.pk, "email": make_member(org).email})
    assert answer.status_code == 409
    assert answer.json()["code"] == "refused"
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1


def test_reclaiming_frees_the_seat(org_api, org, admin):
    bundle = make_bundle(org, seats=1)
    seat = _seat_of(bundle, make_member(org), admin)
    answer = org_api.post(f"{SEATS}/{seat.pk}/reclaim")
    assert answer.status_code == 200
    assert answer.json()["state"] == "reclaimed" and answer.json()["user_id"] is None
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 0


def test_a_started_seat_cannot_be_reclaimed(org_api, org, admin):
    bundle = make_bundle(org, seats=1)
    member = make_member(org)
    seat = _seat_of(bundle, member, admin)
    lesson_complete(user=member, lesson=LessonPage.objects.descendant_of(bundle.course).first())
    answer = org_api.post(f"{SEATS}/{seat.pk}/reclaim")
    assert answer.status_code == 409
    assert Seat.objects.get(pk=seat.pk).state == SeatState.ASSIGNED


def test_another_organizations_seat_is_not_found(org_api, other_org):
    bundle = make_bundle(other_org)
    seat = _seat_of(bundle, make_member(other_org), None)
    for path in (f"{SEATS}/{seat.pk}/reclaim", f"{SEATS}/{seat.pk}/reassign"):
        answer = org_api.post(path, {"email": "x@example.test"})
        assert answer.status_code == 404, path
    assert Seat.objects.get(pk=seat.pk).state == SeatState.ASSIGNED


def test_reassigning_moves_the_seat_to_another_member(org_api, org, admin):
    bundle = make_bundle(org, seats=1)
    first, second = make_member(org), make_member(org)
    seat = _seat_of(bundle, first, admin)
    answer = org_api.post(f"{SEATS}/{seat.pk}/reassign", {"email": second.email})
    assert answer.status_code == 201, answer.content
    assert answer.json()["user_id"] == second.pk
    assert Seat.objects.get(pk=seat.pk).state == SeatState.RECLAIMED
    assert Enrolment.objects.active().filter(user=second, course=bundle.course).exists()
    assert not Enrolment.objects.active().filter(user=first, course=bundle.course).exists()


def test_a_started_seat_cannot_be_reassigned(org_api, org, admin):
    bundle = make_bundle(org, seats=1)
    first, second = make_member(org), make_member(org)
    seat = _seat_of(bundle, first, admin)
    lesson_complete(user=first, lesson=LessonPage.objects.descendant_of(bundle.course).first())
    answer = org_api.post(f"{SEATS}/{seat.pk}/reassign", {"email": second.email})
    assert answer.status_code == 409
    assert Seat.objects.get(pk=seat.pk).user == first


def test_a_reassignment_refused_half_way_leaves_the_seat_with_its_holder(org_api, org, admin):
    """The bundle expired since the seat was given: the reclaim would pass, the new seat is refused, and the
    transaction takes the reclaim back."""
    bundle = make_bundle(org, seats=1)
    first, second = make_member(org), make_member(org)
    seat = _seat_of(bundle, first, admin)
    SeatBundle.objects.filter(pk=bundle.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    answer = org_api.post(f"{SEATS}/{seat.pk}/reassign", {"email": second.email})
    assert answer.status_code == 409
    assert Seat.objects.get(pk=seat.pk).user == first
    assert Enrolment.objects.active().filter(user=first, course=bundle.course).exists()
    assert not Seat.objects.filter(user=second).exists()


# --- invitations ------------------------------------------------------------------------------------


def test_invitations_are_created_in_bulk_and_each_refusal_is_reported(org_api, org):
    bundle = make_bundle(org, seats=1)
    member = make_member(org)
    answer = org_api.post(
        INVITATIONS,
        {
            "invitations": [
                {"email": "ann@example.test", "bundle_id": bundle.pk, "language": "fr"},
                {"email": "bob@example.test", "bundle_id": bundle.pk},
                {"email": member.email},
                {"email": "not-an-address"},
            ]
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["created"] == 1
    results = {row["email"]: row for row in body["results"]}
    assert results["ann@example.test"]["invitation"]["status"] == "open"
    assert results["bob@example.test"]["error"] and results["bob@example.test"]["invitation"] is None
    assert results[member.email]["error"] == "already a member"
    assert results["not-an-address"]["error"]
    assert list(Invitation.objects.values_list("email", "language")) == [("ann@example.test", "fr")]


def test_a_bundle_of_another_organization_refuses_the_whole_batch(org_api, org, other_org):
    theirs = make_bundle(other_org)
    answer = org_api.post(
        INVITATIONS, {"invitations": [{"email": "a@example.test"}, {"email": "b@example.test", "bundle_id": theirs.pk}]}
    )
    assert answer.status_code == 404
    assert not Invitation.objects.exists()


def test_an_empty_or_oversized_batch_is_refused(org_api):
    assert org_api.post(INVITATIONS, {"invitations": []}).json()["fields"].keys() == {"invitations"}
    many = {"invitations": [{"email": f"p{i}@example.test"} for i in range(101)]}
    answer = org_api.post(INVITATIONS, many)
    assert answer.status_code == 400
    assert not Invitation.objects.exists()


def test_an_unknown_language_is_a_field_error(org_api):
    answer = org_api.post(INVITATIONS, {"invitations": [{"email": "a@example.test", "language": "de"}]})
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["invitations.0.language"]


def test_invitations_are_listed_newest_first_and_only_the_organizations(org_api, org, admin, other_org):
    old = invitation_create(organization=org, email="old@example.test", actor=admin)
    Invitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    new = invitation_create(organization=org, email="new@example.test", actor=admin)
    invitation_create(organization=other_org, email="theirs@example.test", actor=None)
    answer = org_api.get(INVITATIONS)
    assert [row["id"] for row in answer.json()["items"]] == [new.pk, old.pk]
    assert "theirs@example.test" not in answer.content.decode()


def test_revoking_an_invitation_frees_its_seat(org_api, org, admin):
    bundle = make_bundle(org, seats=1)
    invitation = invitation_create(organization=org, email="a@example.test", actor=admin, bundle=bundle)
    answer = org_api.post(f"{INVITATIONS}/{invitation.pk}/revoke")
    assert answer.status_code == 200
    assert answer.json()["status"] == "revoked"
    assert org_api.get(BUNDLES).json()["items"][0]["seats_available"] == 1


def test_another_organizations_invitation_cannot_be_revoked(org_api, other_org):
    theirs = invitation_create(organization=other_org, email="a@example.test", actor=None)
    assert org_api.post(f"{INVITATIONS}/{theirs.pk}/revoke").status_code == 404
    assert Invitation.objects.get(pk=theirs.pk).revoked_at is None


def test_a_read_token_may_list_but_not_invite_nor_revoke(org_read_api, org, admin):
    invitation = invitation_create(organization=org, email="a@example.test", actor=admin)
    assert org_read_api.get(INVITATIONS).status_code == 200
    assert org_read_api.post(INVITATIONS, {"invitations": [{"email": "b@example.test"}]}).status_code == 403
    assert org_read_api.post(f"{INVITATIONS}/{invitation.pk}/revoke").status_code == 403
    assert Invitation.objects.get().revoked_at is None


# --- staff progress and credentials -----------------------------------------------------------------


def test_progress_has_a_row_per_held_seat_with_its_status(org_api, org, admin):
    bundle = make_bundle(org, seats=3)
    starter, idle = make_member(org), make_member(org)
    _seat_of(bundle, starter, admin)
    _seat_of(bundle, idle, admin)
    lesson_complete(user=starter, lesson=LessonPage.objects.descendant_of(bundle.course).first())
    rows = {row["email"]: row for row in org_api.get(PROGRESS).json()["items"]}
    assert rows[starter.email]["status"] == "completed"  # one lesson in the course: done
    assert rows[idle.email]["status"] == "not_started"
    assert org_api.get(PROGRESS, status="completed").json()["items"][0]["email"] == starter.email
    assert org_api.get(PROGRESS, course=bundle.course_id + 1000).json()["items"] == []


def test_progress_filters_by_completion_date(org_api, org, admin):
    bundle = make_bundle(org, seats=2)
    member = make_member(org)
    _seat_of(bundle, member, admin)
    lesson_complete(user=member, lesson=LessonPage.objects.descendant_of(bundle.course).first())
    today = timezone.localdate()
    assert len(org_api.get(PROGRESS, completed_after=today.isoformat()).json()["items"]) == 1
    assert org_api.get(PROGRESS, completed_before=(today - timedelta(days=1)).isoformat()).json()["items"] == []


def test_progress_refuses_an_unknown_status_or_date(org_api):
    answer = org_api.get(PROGRESS, status="finished", completed_after="yesterday")
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"status", "completed_after"}


def test_progress_does_not_show_another_organizations_staff(org_api, other_api, org, admin):
    bundle = make_bundle(org)
    member = make_member(org)
    _seat_of(bundle, member, admin)
    answer = other_api.get(PROGRESS)
    assert answer.json()["items"] == []
    assert member.email not in other_api.get(PROGRESS, course=bundle.course_id).content.decode()


def test_progress_takes_a_fixed_number_of_queries(org_api, org, admin, django_assert_num_queries):
    from tests.organizations.staff import staff_on_seats

    staff_on_seats(org, make_bundle(org), 30)
    org_api.get(BUNDLES)  # the token's first use writes its last_used_at
    # the token; the page of seats with their learner, course and progress
    with django_assert_num_queries(2):
        assert len(org_api.get(PROGRESS, limit=20).json()["items"]) == 20


def test_staff_credentials_list_their_verification_links(org_api, other_api, org, admin):
    from badges.services import award_issue
    from tests.badges.conftest import make_achievement
    from tests.integrations.test_api_credentials import make_issuer

    member = make_member(org)
    award = award_issue(learner=member, achievement=make_achievement(make_issuer()))
    (row,) = org_api.get(CREDENTIALS).json()["items"]
    assert row["code"] == award.code and row["status"] == "valid"
    assert row["verification_url"].endswith(f"/credentials/{award.code}/")
    assert other_api.get(CREDENTIALS).json()["items"] == []


def test_paging_is_refused_past_the_limit(org_api):
    answer = org_api.get(INVITATIONS, limit=1000)
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"limit"}


def test_every_organization_endpoint_refuses_a_request_without_a_token(client):
    for path in (BUNDLES, INVITATIONS, PROGRESS, CREDENTIALS):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.json()["code"] == "unauthenticated"
