"""Invitations: invite one address (optionally onto a reserved seat), e-mail it, accept and revoke it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.i18n import supported_language
from lms.mail import absolute, mail_send, page_in
from lms.models import User
from lms.outbox import outbox_enqueue_many
from organizations.models import Invitation, InvitationStatus, Membership, Organization, Role, SeatBundle
from organizations.services.members import membership_add
from organizations.services.rules import InvitationUnusable, NoSeatsLeft, OrganizationError, _check_admin
from organizations.services.seats import _lock_bundle, _seat_take, seats_reserved

# --- invitations ------------------------------------------------------------------------------------


def invitation_url(invitation: Invitation) -> str:
    """The acceptance page, in the active language: `/fr/...` in French; unprefixed in English, where the page
    then follows the visitor's own preference (their account, else their browser: lms.i18n)."""
    return absolute(reverse("organizations:invitation_accept", args=[invitation.token]))


def _invitations_send_later(invitations: list[Invitation]) -> None:
    """Record the invitations' e-mails in the outbox, in the transaction that creates them (one INSERT); the worker
    sends them after the commit (`invitation_send`), in the invitee's language, read then."""
    outbox_enqueue_many(
        handler="organizations.invitation_send",
        payloads=[{"invitation_id": invitation.pk} for invitation in invitations],
    )


def invitation_language(invitation: Invitation) -> str | None:
    """The language to write to the invitee in, never the inviting admin's: the one saved on the invitee's
    account when they have one, else the one the admin recorded for them; None when nobody knows (the invitation
    is then written in English and French)."""
    saved = User.objects.filter(email__iexact=invitation.email).values_list("language", flat=True).first()
    return supported_language(saved) or supported_language(invitation.language)


def invitation_send(*, invitation_id: int, language: str | None = None) -> None:
    """E-mail the invitation link (run by the outbox); nothing when it was accepted or withdrawn meanwhile.

    `language` is ignored: messages recorded before issue #16 carried the inviting admin's language."""
    invitation = (
        Invitation.objects.select_related("organization", "bundle__course")
        .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        return

    def context(language: str) -> dict[str, Any]:
        course = invitation.bundle.course if invitation.bundle is not None else None
        return {
            "invitation": invitation,
            "org": invitation.organization.name,
            "course": page_in(course, language).title if course is not None else "",
            "url": invitation_url(invitation),
        }

    mail_send(
        to=invitation.email,
        template="organizations/email/invitation",
        language=invitation_language(invitation),
        context=context,
    )


def _email_problem(*, organization: Organization, email: str) -> str | None:
    """Why an address cannot be invited, or None."""
    try:
        validate_email(email)
    except ValidationError:
        return _("not a valid e-mail address")
    domain = organization.email_domain if organization.email_domain_verified else ""
    if domain and email.rsplit("@", 1)[1].lower() != domain:
        return _("not an address of %(domain)s") % {"domain": organization.email_domain}
    return None


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    email: str,
    actor: User | None,
    bundle: SeatBundle | None = None,
    role: str = Role.MEMBER,
    waive_prerequisites: bool = False,
    language: str = "",
) -> Invitation:
    """Invite one address (optionally onto a seat of `bundle`, which it reserves) and e-mail the link after commit (by the outbox).

    Locks the bundle row to count its seats: an invitation only reserves a seat nobody holds or has reserved.
    An expired invitation to the same address is revoked and replaced. `waive_prerequisites` (with a bundle)
    lets the invitee take the seat without the course's prerequisites. `language` is the one the invitee reads
    (`en`, `fr`), when the admin knows it; blank writes the invitation in both (`invitation_language`).
    """
    _check_admin(actor=actor, organization=organization)
    email = email.strip().lower()
    problem = _email_problem(organization=organization, email=email)
    if problem:
        raise OrganizationError(problem)
    if language and not supported_language(language):
        raise OrganizationError(
            _("unknown language “%(value)s”: write en or fr, or leave it empty") % {"value": language}
        )
    if bundle is not None and bundle.organization_id != organization.pk:
        raise PermissionDenied(_("That seat bundle belongs to another organization."))
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise OrganizationError(_("already a member"))
    pending = Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if pending.filter(expires_at__gt=timezone.now()).exists():
        raise OrganizationError(_("already invited"))
    pending.update(revoked_at=timezone.now())  # expired: replaced by this one
    if bundle is not None:
        locked = _lock_bundle(bundle.pk)
        if locked.is_expired():
            raise NoSeatsLeft(_("This seat bundle expired on %(date)s.") % {"date": locked.expires_on})
        if locked.seats_free - seats_reserved(locked) <= 0:
            raise NoSeatsLeft(_("no free seat left in this bundle"))
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        bundle=bundle,
        role=role,
        invited_by=actor,
        waive_prerequisites=waive_prerequisites and bundle is not None,
        language=supported_language(language) or "",
    )
    _invitations_send_later([invitation])
    return invitation


def invitation_problem(invitation: Invitation) -> str | None:
    """Why `invitation` can no longer be accepted (revoked, expired, used), or None while it is open."""
    status = invitation.status
    if status == InvitationStatus.REVOKED:
        return _("This invitation was withdrawn by %(org)s.") % {"org": invitation.organization.name}
    if status == InvitationStatus.EXPIRED:
        return _("This invitation expired on %(date)s: ask %(org)s for a new one.") % {
            "date": timezone.localdate(invitation.expires_at).isoformat(),
            "org": invitation.organization.name,
        }
    if status == InvitationStatus.ACCEPTED:
        return _("This invitation has already been used.")
    return None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person joins, and takes their reserved seat (an enrolment) when the invitation carries one.

    Locks the invitation row, then the bundle row: a double click accepts once. The signed-in address must be
    the invited one, and the invitation open; accepting again (the same user) changes nothing.
    """
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "bundle", "invited_by")
        .get(pk=invitation.pk)
    )
    if user.email.lower() != locked.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address."))
    if locked.accepted_at is not None and locked.accepted_by_id == user.pk:
        return membership_add(organization=locked.organization, user=user, role=locked.role)
    problem = invitation_problem(locked)
    if problem:
        raise InvitationUnusable(problem)
    membership = membership_add(organization=locked.organization, user=user, role=locked.role)
    locked.accepted_at, locked.accepted_by = timezone.now(), user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    if locked.bundle is not None:
        _seat_take(
            locked=_lock_bundle(locked.bundle.pk),
            user=user,
            reserved_for_user=True,
            waive_prerequisites=locked.waive_prerequisites,
            waived_by=locked.invited_by,
        )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User | None) -> Invitation:
    """Withdraw an open invitation; its reserved seat is free again. Locks the invitation row. Idempotent."""
    locked = Invitation.objects.select_for_update(of=("self",)).select_related("organization").get(pk=invitation.pk)
    _check_admin(actor=actor, organization=locked.organization)
    if locked.accepted_at is not None:
        raise InvitationUnusable(_("This invitation has already been accepted: reclaim the seat instead."))
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked
