"""Single sign-on, read for the organization's pages."""

from __future__ import annotations

from organizations.models import Membership, Organization, Seat, SeatState, SingleSignOn


def sso_members_without_seat(*, organization: Organization) -> tuple[SingleSignOn | None, list[Membership]]:
    """The organization's single sign-on, and the members who signed in through it but hold no seat of its default
    bundle (the bundle was full or expired at their first sign-in, or an admin reclaimed the seat): two queries."""
    sso = (
        SingleSignOn.objects.select_related("social_app", "default_bundle__course")
        .filter(organization=organization, provision_seats=True)
        .first()
    )
    if sso is None or sso.default_bundle is None:
        return sso, []
    holders = Seat.objects.filter(bundle=sso.default_bundle, state=SeatState.ASSIGNED).values("user_id")
    members = (
        Membership.objects.filter(organization=organization, user__socialaccount__provider=sso.social_app.provider_id)
        .exclude(user_id__in=holders)
        .select_related("user")
        .order_by("user__email")
        .distinct()
    )
    return sso, list(members)
