"""Every change to organizations, members, seats and invitations goes through here.

Locks: `seat_assign`, `seat_reclaim`, `invitation_create` and `invitation_accept` lock the seat bundle row
(`select_for_update`) before they count seats; `invitation_accept` and `invitation_revoke` lock the invitation
row first (invitation, then bundle: never the other way round). The check constraint seats_used ≤ seats_bought
and the unique (bundle, user) seat are the last line.

Reservations: an open invitation (not accepted, revoked or expired) onto a bundle reserves one of its seats, so
seats available = bought − used − reserved. An admin's assignment never takes a reserved seat; the invitee
takes theirs on accepting; expiry or revocation frees it (nothing to write: the count only reads open ones).
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import GroupCollectionPermission, GroupPagePermission, PageViewRestriction

from content.models import CatalogPage, CoursePage
from content.services import course_create
from lms.models import User
from lms.outbox import outbox_enqueue, outbox_enqueue_many
from lms.roles import COLLECTION_PERMISSIONS, PAGE_PERMISSIONS, permission
from organizations.learning import enrol_on_seat, enrolment_end, enrolment_started, prerequisites_missing
from organizations.models import (
    ImportStatus,
    Invitation,
    InvitationImport,
    InvitationStatus,
    Membership,
    Organization,
    Role,
    Seat,
    SeatBundle,
    SeatState,
)
from organizations.selectors import user_is_platform_admin

logger = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 20_000
PROGRESS_EVERY = 200


ROLE_RANK: dict[str, int] = {Role.MEMBER: 0, Role.INSTRUCTOR: 1, Role.ADMIN: 2}


class OrganizationError(Exception):
    """A rule of organizations refused the change; the message is for the user."""


class NoSeatsLeft(OrganizationError):
    pass


class SeatStarted(OrganizationError):
    pass


class SeatRefused(OrganizationError):
    """progress refused the enrolment (for example, prerequisites missing)."""


class InvitationUnusable(OrganizationError):
    """The invitation was revoked, has expired, or was used already; the message says which."""


def is_org_admin(*, user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(organization=organization, user=user, role=Role.ADMIN).exists()


def _check_admin(*, actor: User | None, organization: Organization) -> None:
    # actor None is the system (fulfilment, demo, tasks acting for an admin checked earlier).
    if actor is not None and not is_org_admin(user=actor, organization=organization):
        raise PermissionDenied(_("Only an administrator of this organization may do that."))


# --- organizations and members ----------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    name: str,
    slug: str = "",
    email_domain: str = "",
    email_domain_verified: bool = False,
    admin: User | None = None,
) -> Organization:
    """Create an organization and its members group; `admin` becomes its first administrator."""
    organization = Organization.objects.create(
        name=name,
        slug=slug or slugify(name),
        email_domain=email_domain.lower().lstrip("@"),
        email_domain_verified=email_domain_verified,
    )
    organization_group_ensure(organization=organization)
    if admin is not None:
        membership_add(organization=organization, user=admin, role=Role.ADMIN)
    return organization


@transaction.atomic
def organization_group_ensure(*, organization: Organization) -> Group:
    """The organization's members group (private courses restrict their view to it). Idempotent."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    group = locked.members_group
    if group is None:
        group, _created = Group.objects.get_or_create(name=f"Organization {organization.slug} members")
        Organization.objects.filter(pk=organization.pk).update(members_group=group)
    organization.members_group = group
    return group


@transaction.atomic
def organization_instructors_ensure(*, organization: Organization) -> Group:
    """The organization's instructors group: admin access, and page rights on its private courses only."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    group = locked.instructors_group
    if group is None:
        group, _created = Group.objects.get_or_create(name=f"Organization {organization.slug} instructors")
        group.permissions.add(permission("wagtailadmin", "access_admin"))
        Organization.objects.filter(pk=organization.pk).update(instructors_group=group)
    organization.instructors_group = group
    return group


@transaction.atomic
def membership_add(
    *, organization: Organization, user: User, role: str = Role.MEMBER, actor: User | None = None
) -> Membership:
    """Add `user` to the organization, or raise their role (member < instructor < admin). Idempotent."""
    _check_admin(actor=actor, organization=organization)
    if role not in Role.values:
        raise OrganizationError(_("Unknown role."))
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if not created and ROLE_RANK[role] > ROLE_RANK[membership.role]:
        membership.role = role
        membership.save(update_fields=["role"])
    organization_group_ensure(organization=organization).user_set.add(user)
    if membership.role == Role.INSTRUCTOR:
        organization_instructors_ensure(organization=organization).user_set.add(user)
    return membership


@transaction.atomic
def membership_remove(*, organization: Organization, user: User, actor: User | None = None) -> None:
    """A learner leaves: their seats are reclaimed if not started, and they keep their enrolments and badges."""
    _check_admin(actor=actor, organization=organization)
    for seat in Seat.objects.filter(bundle__organization=organization, user=user, state=SeatState.ASSIGNED):
        try:
            seat_reclaim(seat=seat, actor=None)
        except SeatStarted:
            # A started seat stays used: the learner keeps studying what was paid for.
            Seat.objects.filter(pk=seat.pk).update(user=None, state=SeatState.RECLAIMED, reclaimed_from=user)
    Membership.objects.filter(organization=organization, user=user).delete()
    if organization.members_group is not None:
        organization.members_group.user_set.remove(user)
    if organization.instructors_group is not None:
        organization.instructors_group.user_set.remove(user)


# --- private courses --------------------------------------------------------------------------------
#
# A private course is a course page whose Wagtail view restriction names the organization's members group:
# Wagtail keeps everyone else out, the catalog lists it to members only, and organizations.wagtail_hooks
# answers 404 to a signed-in non-member. The organization's instructors group gets page rights on the
# course's subtree (and its media collection), so its instructors author it and nothing else.


def is_org_instructor(*, user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(organization=organization, user=user, role=Role.INSTRUCTOR).exists()


def may_manage_private_courses(*, user: User, organization: Organization) -> bool:
    """Platform admins and the organization's own instructors."""
    return user_is_platform_admin(user) or is_org_instructor(user=user, organization=organization)


def _check_private_course_actor(*, actor: User | None, organization: Organization, course: CoursePage | None) -> None:
    if actor is None or user_is_platform_admin(actor):
        return
    if not is_org_instructor(user=actor, organization=organization):
        raise PermissionDenied(_("Only a platform administrator or this organization's instructors may do that."))
    if course is not None and not course.permissions_for_user(actor).can_edit():
        raise PermissionDenied(_("You may only make private a course you may edit."))


def _grant_instructors(*, organization: Organization, course: CoursePage) -> None:
    group = organization_instructors_ensure(organization=organization)
    for codename in PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=course, permission=permission("wagtailcore", codename)
        )
    if course.collection_id is not None:
        for app_label, codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection_id=course.collection_id, permission=permission(app_label, codename)
            )


def private_course_owner(*, course: CoursePage) -> Organization | None:
    """The organization a course is private to, if any."""
    return Organization.objects.filter(
        members_group__pageviewrestriction__page=course,
        members_group__pageviewrestriction__restriction_type=PageViewRestriction.GROUPS,
    ).first()


@transaction.atomic
def course_make_private(
    *, organization: Organization, course: CoursePage, actor: User | None = None
) -> PageViewRestriction:
    """Only this organization's members may see `course`; its instructors may author it. Idempotent.

    A course is private to one organization at most.
    """
    _check_private_course_actor(actor=actor, organization=organization, course=course)
    owner = private_course_owner(course=course)
    if owner is not None and owner.pk != organization.pk:
        raise OrganizationError(
            _("%(course)s is already private to %(org)s.") % {"course": course.title, "org": owner.name}
        )
    group = organization_group_ensure(organization=organization)
    restriction = PageViewRestriction.objects.filter(page=course, restriction_type=PageViewRestriction.GROUPS).first()
    if restriction is None:
        restriction = PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(group)
    _grant_instructors(organization=organization, course=course)
    return restriction


@transaction.atomic
def course_make_public(*, organization: Organization, course: CoursePage, actor: User | None = None) -> None:
    """Open a private course to everyone again (platform admins only); the instructors' rights on it end."""
    if actor is not None and not user_is_platform_admin(actor):
        raise PermissionDenied(_("Only a platform administrator may make a private course public."))
    for restriction in PageViewRestriction.objects.filter(page=course, restriction_type=PageViewRestriction.GROUPS):
        restriction.groups.remove(organization.members_group_id)
        if not restriction.groups.exists():
            restriction.delete()
    if organization.instructors_group_id is not None:
        GroupPagePermission.objects.filter(group_id=organization.instructors_group_id, page=course).delete()
        if course.collection_id is not None:
            GroupCollectionPermission.objects.filter(
                group_id=organization.instructors_group_id, collection_id=course.collection_id
            ).delete()


@transaction.atomic
def private_course_create(
    *, organization: Organization, title: str, summary: str, estimated_hours: int, actor: User | None
) -> CoursePage:
    """A new draft course in the catalog, private to the organization, for its instructors to write."""
    _check_private_course_actor(actor=actor, organization=organization, course=None)
    catalog = CatalogPage.objects.first()
    if catalog is None:
        raise OrganizationError(_("There is no catalog to add the course to."))
    slug = slugify(f"{organization.slug} {title}")[:80]
    if CoursePage.objects.filter(slug=slug).exists():
        raise OrganizationError(_("A course with this title already exists for this organization."))
    try:
        course = course_create(
            catalog=catalog,
            title=title,
            summary=summary,
            description=format_html("<p>{}</p>", summary),
            estimated_hours=estimated_hours,
            slug=slug,
            publish=False,
            live=False,
        )
    except ValidationError as invalid:
        raise OrganizationError(" ".join(invalid.messages)) from invalid
    course_make_private(organization=organization, course=course, actor=None)
    return course


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
    return locked


# --- invitations ------------------------------------------------------------------------------------


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("organizations:invitation_accept", args=[invitation.token])


def _invitations_send_later(invitations: list[Invitation]) -> None:
    """Record the invitations' e-mails in the outbox, in the transaction that creates them (one INSERT), in the
    language of the person inviting; the worker sends them after the commit (`invitation_send`)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    outbox_enqueue_many(
        handler="organizations.invitation_send",
        payloads=[{"invitation_id": invitation.pk, "language": language} for invitation in invitations],
    )


def invitation_send(*, invitation_id: int, language: str) -> None:
    """E-mail the invitation link (run by the outbox); nothing when it was accepted or withdrawn meanwhile."""
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    with translation.override(language):
        send_mail(
            subject=_("You are invited to join %(org)s on Stackable") % {"org": invitation.organization.name},
            message=_("%(org)s invites you to study on Stackable. Accept the invitation here:\n\n%(url)s\n")
            % {"org": invitation.organization.name, "url": invitation_url(invitation)},
            from_email=None,
            recipient_list=[invitation.email],
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
) -> Invitation:
    """Invite one address (optionally onto a seat of `bundle`, which it reserves) and e-mail the link after commit (by the outbox).

    Locks the bundle row to count its seats: an invitation only reserves a seat nobody holds or has reserved.
    An expired invitation to the same address is revoked and replaced. `waive_prerequisites` (with a bundle)
    lets the invitee take the seat without the course's prerequisites.
    """
    _check_admin(actor=actor, organization=organization)
    email = email.strip().lower()
    problem = _email_problem(organization=organization, email=email)
    if problem:
        raise OrganizationError(problem)
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


@dataclass(frozen=True)
class RowProblem:
    line: int
    email: str
    reason: str


def _csv_addresses(source: str) -> list[tuple[int, str]]:
    rows = []
    for line, row in enumerate(csv.reader(io.StringIO(source)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        cell = row[0].strip()
        if line == 1 and cell.lower() in {"email", "e-mail", "courriel"}:
            continue
        rows.append((line, cell.lower()))
    return rows


@transaction.atomic
def invitations_import_start(
    *, organization: Organization, source: str, actor: User, bundle: SeatBundle | None = None
) -> InvitationImport:
    """Record an uploaded CSV and, in the same transaction, its import in the outbox (run by the worker after the
    commit); the import page shows its progress."""
    _check_admin(actor=actor, organization=organization)
    if bundle is not None and bundle.organization_id != organization.pk:
        raise PermissionDenied(_("That seat bundle belongs to another organization."))
    rows = _csv_addresses(source)
    if len(rows) > MAX_IMPORT_ROWS:
        raise OrganizationError(_("A file may list at most %(max)d addresses.") % {"max": MAX_IMPORT_ROWS})
    job = InvitationImport.objects.create(
        organization=organization, bundle=bundle, created_by=actor, source=source, rows_total=len(rows)
    )
    outbox_enqueue(handler="organizations.invitations_import", payload={"job_id": job.pk})
    return job


def invitations_import_csv(*, job: InvitationImport) -> InvitationImport:
    """Check every row, report each bad one with its reason, then create all good invitations in one transaction.

    Nothing is half done: either every good row is invited, or (on a failure) none is and the job says why.
    """
    InvitationImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    organization = job.organization
    rows = _csv_addresses(job.source)
    members = {
        email.lower()
        for email in Membership.objects.filter(organization=organization)
        .annotate(address=Lower("user__email"))
        .values_list("address", flat=True)
    }
    invited = {
        email.lower()
        for email in Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        ).values_list("email", flat=True)
    }
    problems: list[RowProblem] = []
    good: list[tuple[int, str]] = []
    seen: set[str] = set()
    for done, (line, email) in enumerate(rows, start=1):
        reason = _email_problem(organization=organization, email=email)
        if reason is None and email in seen:
            reason = _("listed twice in the file")
        elif reason is None and email in members:
            reason = _("already a member")
        elif reason is None and email in invited:
            reason = _("already invited")
        if reason:
            problems.append(RowProblem(line=line, email=email, reason=str(reason)))
        else:
            good.append((line, email))
        seen.add(email)
        if done % PROGRESS_EVERY == 0:
            InvitationImport.objects.filter(pk=job.pk).update(rows_done=done)
    errors: list[dict[str, object]] = []
    try:
        with transaction.atomic():
            if job.bundle is not None:
                # Seats are counted under the bundle's lock, so a concurrent assignment or invitation is seen.
                locked = _lock_bundle(job.bundle.pk)
                seats_left = max(locked.seats_free - seats_reserved(locked), 0)
                no_seat = str(_("no free seat left in this bundle"))
                problems += [RowProblem(line=line, email=email, reason=no_seat) for line, email in good[seats_left:]]
                good = good[:seats_left]
            errors = [
                {"line": p.line, "email": p.email, "reason": p.reason} for p in sorted(problems, key=lambda p: p.line)
            ]
            created = Invitation.objects.bulk_create(
                [
                    Invitation(organization=organization, email=email, bundle=job.bundle, invited_by=job.created_by)
                    for _line, email in good
                ]
            )
            InvitationImport.objects.filter(pk=job.pk).update(
                status=ImportStatus.DONE, rows_done=len(rows), invited=len(created), errors=errors
            )
            _invitations_send_later(created)
    except IntegrityError:
        logger.warning("invitation import %s collided with a concurrent invitation; nothing was created", job.pk)
        InvitationImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            rows_done=len(rows),
            invited=0,
            errors=[
                *errors,
                {
                    "line": 0,
                    "email": "",
                    "reason": str(_("another invitation was sent meanwhile: upload the file again")),
                },
            ],
        )
    job.refresh_from_db()
    return job
