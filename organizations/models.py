"""Companies and their people: organizations, members, seat bundles, seats and invitations.

A seat bundle is what an organization bought for one course; a seat is one of its places, held by a
member. The database refuses more seats used than bought, and one seat per (bundle, learner).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INVITATION_VALID_DAYS = 30


def new_token() -> str:
    return secrets.token_urlsafe(32)


def invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=INVITATION_VALID_DAYS)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    email_domain = models.CharField(
        _("e-mail domain"), max_length=190, blank=True, help_text=_("For example northwind.test, without the @.")
    )
    email_domain_verified = models.BooleanField(_("e-mail domain verified"), default=False)
    # One group per organization: its members; private courses restrict their view to it.
    members_group = models.OneToOneField(
        Group, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="organization"
    )
    # Its instructors: Wagtail page rights on the organization's private courses, and nothing else.
    instructors_group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="instructing_organization",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    INSTRUCTOR = "instructor", _("Instructor (authors the private courses)")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="organizations_membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="organizations_membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR


class SeatBundle(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="seat_bundles")
    course = models.ForeignKey(
        "content.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="seat_bundles"
    )
    seats_bought = models.PositiveIntegerField(_("seats bought"))
    seats_used = models.PositiveIntegerField(_("seats used"), default=0)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # The purchase this bundle fulfils (commerce order line); unique, so a retried fulfilment finds it.
    order_reference = models.CharField(_("order reference"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("seat bundle")
        verbose_name_plural = _("seat bundles")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_used__lte=F("seats_bought")), name="organizations_bundle_used_within_bought"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.seats_bought} × {self.course_id}"

    @property
    def seats_free(self) -> int:
        return self.seats_bought - self.seats_used

    def is_expired(self, today: date | None = None) -> bool:
        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())


class SeatState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    RECLAIMED = "reclaimed", _("Reclaimed")


class Seat(models.Model):
    bundle = models.ForeignKey(SeatBundle, on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="seats"
    )
    state = models.CharField(_("state"), max_length=10, choices=SeatState.choices, default=SeatState.ASSIGNED)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    reclaimed_at = models.DateTimeField(_("reclaimed at"), null=True, blank=True)
    # Who held a reclaimed seat: kept for the record, while `user` is freed for the unique constraint.
    reclaimed_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The organization admin whose grant let the holder in without the course's prerequisites.
    prerequisites_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prerequisites waived by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    prerequisites_waived_at = models.DateTimeField(_("prerequisites waived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "user"], name="organizations_seat_one_per_bundle_user"),
            models.CheckConstraint(condition=Q(state__in=SeatState.values), name="organizations_seat_state_valid"),
            models.CheckConstraint(
                condition=Q(state=SeatState.RECLAIMED, user__isnull=True)
                | Q(state=SeatState.ASSIGNED, user__isnull=False),
                name="organizations_seat_assigned_has_user",
            ),
        ]

    def __str__(self) -> str:
        return f"seat {self.pk} of bundle {self.bundle_id}: {self.state}"


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self, *, now: datetime | None = None) -> InvitationQuerySet:
        """Neither accepted, revoked nor expired (at `now`, by default the present): an open invitation with a bundle
        reserves one of its seats."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    bundle = models.ForeignKey(
        SeatBundle, verbose_name=_("seat"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), default=invitation_expiry)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The inviting admin's choice: the seat lets the invitee in without the course's prerequisites.
    waive_prerequisites = models.BooleanField(_("prerequisites waived"), default=False)
    # The language the invitee reads, when the inviting admin knows it (the form, a CSV's `language` column); never
    # the admin's own. Blank: unknown, so the invitation is written in English and French, unless the invitee has
    # an account with a saved language (organizations.services.invitations.invitation_language).
    language = models.CharField(
        _("language of the invitation"), max_length=8, blank=True, default="", choices=settings.LANGUAGES
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One pending invitation per address and organization: a CSV listed twice invites once.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="organizations_invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="organizations_invitation_not_accepted_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.OPEN

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.OPEN


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class InvitationImport(models.Model):
    """One uploaded CSV of addresses, worked through by a Celery task that reports its progress here."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitation_imports")
    bundle = models.ForeignKey(SeatBundle, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    source = models.TextField(_("CSV content"))
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    invited = models.PositiveIntegerField(_("invitations sent"), default=0)
    errors = models.JSONField(_("rows refused"), default=list, blank=True)

    class Meta:
        verbose_name = _("invitation import")
        verbose_name_plural = _("invitation imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")), name="organizations_import_done_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} for {self.organization_id}: {self.status}"

    @property
    def percent(self) -> int:
        return 100 if not self.rows_total else int(self.rows_done * 100 / self.rows_total)

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.FAILED}


class SingleSignOn(models.Model):
    """An organization's identity provider: one allauth SocialApp (OpenID Connect or SAML) and its e-mail domains.

    A visitor whose work address is on one of the domains signs in there. Just-in-time provisioning: their first
    sign-in makes them a member and, when `provision_seats`, gives them a seat of `default_bundle` (through the seat
    services, so the bundle's limit holds). `access_claim`/`access_value`: the claim (OpenID Connect) or attribute
    (SAML) the provider sends to say the person still belongs; a sign-in without it ends the membership.
    """

    organization = models.OneToOneField(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="single_sign_on"
    )
    social_app = models.OneToOneField(
        "socialaccount.SocialApp",
        verbose_name=_("identity provider"),
        on_delete=models.PROTECT,
        related_name="single_sign_on",
    )
    provision_seats = models.BooleanField(
        _("assign a seat at first sign-in"),
        default=False,
        help_text=_("A person's first sign-in makes them a member and gives them a seat of the default bundle."),
    )
    default_bundle = models.ForeignKey(
        SeatBundle,
        verbose_name=_("default seat bundle"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    required = models.BooleanField(
        _("single sign-on required"),
        default=False,
        help_text=_("Addresses on these domains cannot sign in or sign up with a password."),
    )
    access_claim = models.CharField(
        _("access claim or attribute"),
        max_length=200,
        blank=True,
        help_text=_(
            "Optional: the claim (OpenID Connect) or attribute (SAML) the provider sends for people who still "
            "belong, for example active or groups."
        ),
    )
    access_value = models.CharField(
        _("access value"),
        max_length=200,
        blank=True,
        help_text=_("The value that claim must hold, for example true or stackable-learners."),
    )

    class Meta:
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-on")
        constraints = [
            models.CheckConstraint(
                condition=Q(provision_seats=False) | Q(default_bundle__isnull=False),
                name="organizations_sso_provisioning_has_bundle",
            ),
            models.CheckConstraint(
                condition=Q(access_claim="") | ~Q(access_value=""), name="organizations_sso_access_claim_has_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.social_app.provider})"


class SingleSignOnDomain(models.Model):
    """An e-mail domain that signs in through an organization's identity provider: one organization per domain."""

    single_sign_on = models.ForeignKey(SingleSignOn, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("e-mail domain"), max_length=190)

    class Meta:
        verbose_name = _("single sign-on domain")
        verbose_name_plural = _("single sign-on domains")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["domain"], name="organizations_sso_domain_unique"),
            models.CheckConstraint(condition=Q(domain=Lower("domain")), name="organizations_sso_domain_lowercase"),
        ]

    def __str__(self) -> str:
        return self.domain
