"""Seat bundles and seats: what a purchase bought, an admin's assignment and reclaim, the seat rules."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import CoursePage
from lms.models import User
from organizations.learning import enrol_on_seat, enrolment_end, enrolment_started, prerequisites_missing
from organizations.models import Invitation, Membership, Organization, Seat, SeatBundle, SeatState
from organizations.services.rules import NoSeatsLeft, OrganizationError, SeatStarted, _check_admin
from organizations.signals import seat_assigned, seat_reclaimed

# --- seat bundles and seats -------------------------------------------------------------------------


@transaction.atomic
def seat_bundle_create(
    *,
    organization: Organization,
    course: CoursePage,
    seats: int,
    order_reference: str,
    expires_on: date | None = None,
) -> SeatBundle:
    """The bundle a purchase bought. Idempotent on `order_reference`: a retried fulfilment finds its bundle."""
    if seats < 1:
        raise ValueError("a seat bundle has at least one seat")
    existing = SeatBundle.objects.filter(order_reference=order_reference).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SeatBundle.objects.create(
                organization=organization,
                course=course,
                seats_bought=seats,
                order_reference=order_reference,
                expires_on=expires_on,
            )
    except IntegrityError:
        return SeatBundle.objects.get(order_reference=order_reference)


@transaction.atomic
def seat_bundle_reduce(*, bundle: SeatBundle, seats: int) -> SeatBundle:
    """Take back `seats` unused seats (a refund). Locks the bundle; refuses to take a used seat."""
    locked = SeatBundle.objects.select_for_update().get(pk=bundle.pk)
    if seats < 1 or seats > locked.seats_free:
        raise NoSeatsLeft(_("Only unused seats can be taken back: %(free)d are unused.") % {"free": locked.seats_free})
    SeatBundle.objects.filter(pk=locked.pk).update(seats_bought=F("seats_bought") - seats)
    locked.refresh_from_db()
    return locked


def seats_reserved(bundle: SeatBundle) -> int:
    """Seats of `bundle` held for open invitations (call with the bundle row locked to rely on it)."""
    return Invitation.objects.open().filter(bundle=bundle).count()


def _lock_bundle(bundle_id: int) -> SeatBundle:
    return SeatBundle.objects.select_for_update(of=("self",)).select_related("course", "organization").get(pk=bundle_id)


def _seat_take(
    *, locked: SeatBundle, user: User, reserved_for_user: bool, waive_prerequisites: bool, waived_by: User | None
) -> Seat:
    """The seat rules once, for an admin's assignment and an invitee's acceptance. The caller locked the bundle.

    `reserved_for_user`: the user's open invitation reserved this seat, so they may take it; anyone else may
    only take a seat that no open invitation reserves.
    """
    seat = Seat.objects.filter(bundle=locked, user=user).first()
    if seat is not None:
        return seat
    if locked.is_expired():
        raise NoSeatsLeft(_("This seat bundle expired on %(date)s.") % {"date": locked.expires_on})
    if locked.seats_free <= 0:
        raise NoSeatsLeft(_("Every seat of this bundle is taken."))
    if not reserved_for_user:
        reserved = seats_reserved(locked)
        if locked.seats_free - reserved <= 0:
            raise NoSeatsLeft(
                _(
                    "Every free seat of this bundle is reserved for an open invitation (%(reserved)d): "
                    "revoke an invitation to free its seat."
                )
                % {"reserved": reserved}
            )
    waived = waive_prerequisites and bool(prerequisites_missing(user=user, course=locked.course))
    seat = Seat.objects.create(
        bundle=locked,
        user=user,
        state=SeatState.ASSIGNED,
        prerequisites_waived_by=waived_by if waived else None,
        prerequisites_waived_at=timezone.now() if waived else None,
    )
    SeatBundle.objects.filter(pk=locked.pk).update(seats_used=F("seats_used") + 1)
    seat_assigned.send(
        sender=Seat, seat=seat
    )  # in this transaction: integrations' webhook event, before the enrolment's
    enrol_on_seat(user=user, course=locked.course, prerequisites_waived=waived)
    return seat


@transaction.atomic
def seat_assign(
    *, bundle: SeatBundle, user: User, actor: User | None = None, waive_prerequisites: bool = False
) -> Seat:
    """Give `user` (a member) one seat of `bundle` and enrol them. Idempotent for a user who holds one.

    Locks the bundle row first, so concurrent claims queue and never hand out more seats than were bought,
    nor a seat an open invitation reserves. `waive_prerequisites` is the admin's grant: the member enrols
    without the course's prerequisites, and the seat records who waived them.
    """
    locked = _lock_bundle(bundle.pk)
    _check_admin(actor=actor, organization=locked.organization)
    if not Membership.objects.filter(organization=locked.organization, user=user).exists():
        raise OrganizationError(_("%(user)s is not a member of this organization.") % {"user": user})
    return _seat_take(
        locked=locked, user=user, reserved_for_user=False, waive_prerequisites=waive_prerequisites, waived_by=actor
    )


@transaction.atomic
def seat_reclaim(*, seat: Seat, actor: User | None = None) -> Seat:
    """Free a seat whose holder has not started the course, and end that enrolment. Locks the bundle row."""
    bundle = (
        SeatBundle.objects.select_for_update(of=("self",))
        .select_related("course", "organization")
        .get(pk=seat.bundle_id)
    )
    _check_admin(actor=actor, organization=bundle.organization)
    locked = Seat.objects.select_for_update().get(pk=seat.pk)
    if locked.state != SeatState.ASSIGNED or locked.user is None:
        return locked
    holder = locked.user
    if enrolment_started(user=holder, course=bundle.course):
        raise SeatStarted(
            _("%(user)s has started this course: the seat can no longer be reclaimed.") % {"user": holder}
        )
    locked.user, locked.state, locked.reclaimed_from, locked.reclaimed_at = (
        None,
        SeatState.RECLAIMED,
        holder,
        timezone.now(),
    )
    locked.save(update_fields=["user", "state", "reclaimed_from", "reclaimed_at"])
    SeatBundle.objects.filter(pk=bundle.pk).update(seats_used=F("seats_used") - 1)
    enrolment_end(user=holder, course=bundle.course)
    locked.bundle = bundle
    seat_reclaimed.send(sender=Seat, seat=locked, user=holder)  # in this transaction: integrations' webhook event
    return locked
