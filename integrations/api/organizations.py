"""The organization's resources, for its token: seat bundles, seats, invitations, staff progress and credentials.

Every read and change goes through organizations' selectors and services (the pages' own), acting for the admin
who made the token; a row of another organization answers 404.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from badges.models import Award
from badges.selectors import live_status
from integrations.api.auth import organization_of, writable
from integrations.api.errors import ApiError
from integrations.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_of_queryset
from integrations.api.schemas import ErrorOut
from lms.models import User
from organizations.models import Invitation, Organization, Seat, SeatBundle, SeatState
from organizations.selectors import StaffFilters, bundles_with_counts, staff_rows, staff_user_ids
from organizations.services import (
    OrganizationError,
    invitation_create,
    invitation_revoke,
    seat_assign,
    seat_reclaim,
)

router = Router(tags=["organization"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}
MAX_INVITATIONS = 100


class BundleOut(Schema):
    id: int
    course_id: int
    course_title: str
    seats_bought: int
    seats_used: int
    seats_reserved: int
    seats_available: int
    expires_on: date | None
    order_reference: str


class BundlesOut(Schema):
    items: list[BundleOut]


class SeatOut(Schema):
    id: int
    bundle_id: int
    course_id: int
    state: str
    user_id: int | None
    email: str | None
    assigned_at: datetime


class SeatAssignIn(Schema):
    bundle_id: int
    email: str = Field(max_length=254)
    waive_prerequisites: bool = False


class SeatReassignIn(Schema):
    email: str = Field(max_length=254)


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    bundle_id: int | None = None
    language: Literal["", "en", "fr"] = ""


class InvitationsIn(Schema):
    invitations: list[InvitationIn] = Field(min_length=1, max_length=MAX_INVITATIONS)


class InvitationOut(Schema):
    id: int
    email: str
    bundle_id: int | None
    status: str
    created_at: datetime
    expires_at: datetime


class InvitationResult(Schema):
    email: str
    invitation: InvitationOut | None
    error: str | None


class InvitationsCreatedOut(Schema):
    created: int
    results: list[InvitationResult]


class InvitationPage(Schema):
    items: list[InvitationOut]
    next: str | None


class ProgressOut(Schema):
    seat_id: int
    user_id: int
    email: str
    display_name: str
    course_id: int
    course_title: str
    status: str
    percent: Decimal
    enrolled_at: datetime | None
    completed_at: datetime | None
    final_grade: Decimal | None


class ProgressPage(Schema):
    items: list[ProgressOut]
    next: str | None


class StaffCredentialOut(Schema):
    code: str
    user_id: int
    email: str
    name: str
    status: str
    awarded_at: datetime
    valid_until: datetime | None
    verification_url: str


class StaffCredentialPage(Schema):
    items: list[StaffCredentialOut]
    next: str | None


def _bundle_out(bundle: SeatBundle) -> BundleOut:
    return BundleOut(
        id=bundle.pk,
        course_id=bundle.course_id,
        course_title=bundle.course.title,
        seats_bought=bundle.seats_bought,
        seats_used=bundle.seats_used,
        seats_reserved=bundle.seats_reserved,  # type: ignore[attr-defined]
        seats_available=bundle.seats_available,  # type: ignore[attr-defined]
        expires_on=bundle.expires_on,
        order_reference=bundle.order_reference,
    )


def _seat_out(seat: Seat) -> SeatOut:
    return SeatOut(
        id=seat.pk,
        bundle_id=seat.bundle_id,
        course_id=seat.bundle.course_id,
        state=seat.state,
        user_id=seat.user_id,
        email=seat.user.email if seat.user else None,
        assigned_at=seat.assigned_at,
    )


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        email=invitation.email,
        bundle_id=invitation.bundle_id,
        status=invitation.status,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


def _member(organization: Organization, email: str) -> User:
    member = User.objects.filter(email__iexact=email.strip(), memberships__organization=organization).first()
    if member is None:
        raise ApiError(
            400,
            _("The request is not valid: see the fields."),
            fields={"email": _("No member of this organization has this address.")},
        )
    return member


def _seat(organization: Organization, seat_id: int) -> Seat:
    return get_object_or_404(
        Seat.objects.select_related("bundle", "user"), pk=seat_id, bundle__organization=organization
    )


@router.get("/bundles", response={200: BundlesOut, **ERRORS}, summary="Seat bundles with their counts")
def bundles_list(request: HttpRequest) -> BundlesOut:
    organization, _admin = organization_of(request)
    return BundlesOut(items=[_bundle_out(bundle) for bundle in bundles_with_counts(organization=organization)])


@router.post("/seats", response={201: SeatOut, **ERRORS}, summary="Give a member a seat of a bundle")
def seat_assign_view(request: HttpRequest, payload: SeatAssignIn) -> Status[SeatOut]:
    writable(request)
    organization, admin = organization_of(request)
    bundle = get_object_or_404(SeatBundle, pk=payload.bundle_id, organization=organization)
    seat = seat_assign(
        bundle=bundle,
        user=_member(organization, payload.email),
        actor=admin,
        waive_prerequisites=payload.waive_prerequisites,
    )
    seat = Seat.objects.select_related("bundle", "user").get(pk=seat.pk)
    return Status(201, _seat_out(seat))


@router.post("/seats/{seat_id}/reclaim", response={200: SeatOut, **ERRORS}, summary="Reclaim a seat not started")
def seat_reclaim_view(request: HttpRequest, seat_id: int) -> SeatOut:
    writable(request)
    organization, admin = organization_of(request)
    seat = seat_reclaim(seat=_seat(organization, seat_id), actor=admin)
    return _seat_out(Seat.objects.select_related("bundle", "user").get(pk=seat.pk))


@router.post(
    "/seats/{seat_id}/reassign", response={201: SeatOut, **ERRORS}, summary="Move a seat not started to another member"
)
def seat_reassign_view(request: HttpRequest, seat_id: int, payload: SeatReassignIn) -> Status[SeatOut]:
    """The seat's holder loses it (as a reclaim) and the member named gets one of the same bundle, in one
    transaction: either both happen or neither."""
    writable(request)
    organization, admin = organization_of(request)
    seat = _seat(organization, seat_id)
    member = _member(organization, payload.email)
    if seat.state != SeatState.ASSIGNED:
        raise OrganizationError(_("This seat is not held: assign a seat of its bundle instead."))
    with transaction.atomic():
        seat_reclaim(seat=seat, actor=admin)
        new = seat_assign(bundle=seat.bundle, user=member, actor=admin)
    return Status(201, _seat_out(Seat.objects.select_related("bundle", "user").get(pk=new.pk)))


@router.get("/invitations", response={200: InvitationPage, **ERRORS}, summary="Invitations, newest first")
def invitations_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
) -> InvitationPage:
    organization, _admin = organization_of(request)
    rows, next_url = page_of_queryset(
        request,
        Invitation.objects.filter(organization=organization),
        salt="invitations",
        key="created_at",
        key_value=lambda row: row.created_at.isoformat(),
        key_parse=_datetime,
        descending=True,
        cursor=cursor,
        limit=limit,
    )
    return InvitationPage(items=[_invitation_out(row) for row in rows], next=next_url)


@router.post(
    "/invitations", response={201: InvitationsCreatedOut, **ERRORS}, summary="Invite addresses in bulk (up to 100)"
)
def invitations_create(request: HttpRequest, payload: InvitationsIn) -> Status[InvitationsCreatedOut]:
    """Each address is invited on its own (as the page's form does): one refused address is reported in its
    result and the others are invited. A bundle of another organization is a 404 for the whole request."""
    writable(request)
    organization, admin = organization_of(request)
    bundle_ids = {row.bundle_id for row in payload.invitations if row.bundle_id is not None}
    bundles = {bundle.pk: bundle for bundle in SeatBundle.objects.filter(pk__in=bundle_ids, organization=organization)}
    if bundle_ids - set(bundles):
        raise ApiError(404, _("No seat bundle of this organization has this id."), fields={"bundle_id": _("not found")})
    results = []
    for row in payload.invitations:
        try:
            invitation = invitation_create(
                organization=organization,
                email=row.email,
                actor=admin,
                bundle=bundles.get(row.bundle_id) if row.bundle_id is not None else None,
                language=row.language,
            )
        except OrganizationError as refused:
            results.append(InvitationResult(email=row.email, invitation=None, error=str(refused)))
        else:
            results.append(InvitationResult(email=row.email, invitation=_invitation_out(invitation), error=None))
    created = sum(1 for result in results if result.invitation is not None)
    return Status(201, InvitationsCreatedOut(created=created, results=results))


@router.post(
    "/invitations/{invitation_id}/revoke", response={200: InvitationOut, **ERRORS}, summary="Withdraw an invitation"
)
def invitation_revoke_view(request: HttpRequest, invitation_id: int) -> InvitationOut:
    writable(request)
    organization, admin = organization_of(request)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=organization)
    return _invitation_out(invitation_revoke(invitation=invitation, actor=admin))


def _datetime(value: str) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise ApiError(400, _("This cursor is not valid: start again without one."), fields={"cursor": _("not valid")})
    return parsed


class ProgressFilters(Schema):
    course: int | None = None
    status: Literal["not_started", "in_progress", "completed"] | None = None
    completed_after: date | None = None
    completed_before: date | None = None
    cursor: str | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("/progress", response={200: ProgressPage, **ERRORS}, summary="Staff progress, a row per held seat")
def progress_list(request: HttpRequest, filters: Query[ProgressFilters]) -> ProgressPage:  # type: ignore[type-arg]
    """Filter by course, status (not_started, in_progress, completed) and completion date (inclusive)."""
    organization, _admin = organization_of(request)
    rows = staff_rows(
        organization=organization, filters=StaffFilters(course=filters.course, status=filters.status or "")
    )
    if filters.completed_after:
        rows = rows.filter(completed_at__date__gte=filters.completed_after)  # type: ignore[misc]  # annotated
    if filters.completed_before:
        rows = rows.filter(completed_at__date__lte=filters.completed_before)  # type: ignore[misc]  # annotated
    page, next_url = page_of_queryset(
        request,
        rows,
        salt="progress",
        key="assigned_at",
        key_value=lambda row: row.assigned_at.isoformat(),
        key_parse=_datetime,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return ProgressPage(
        items=[
            ProgressOut(
                seat_id=seat.pk,
                user_id=seat.user_id,
                email=seat.user.email,
                display_name=seat.user.display_name,
                course_id=seat.bundle.course_id,
                course_title=seat.bundle.course.title,
                status=seat.status,
                percent=seat.progress_percent,
                enrolled_at=seat.enrolled_at,
                completed_at=seat.completed_at,
                final_grade=seat.final_grade,
            )
            for seat in page
        ],
        next=next_url,
    )


@router.get("/credentials", response={200: StaffCredentialPage, **ERRORS}, summary="Staff credentials with their links")
def credentials_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
) -> StaffCredentialPage:
    """The staff's issued credentials, newest first, revoked and expired ones included (their `status` says)."""
    organization, _admin = organization_of(request)
    awards = (
        Award.objects.issued()
        .filter(learner_id__in=staff_user_ids(organization=organization))
        .select_related("learner", "achievement", "pathway")
    )
    page, next_url = page_of_queryset(
        request,
        awards,
        salt="staff-credentials",
        key="awarded_at",
        key_value=lambda row: row.awarded_at.isoformat(),
        key_parse=_datetime,
        descending=True,
        cursor=cursor,
        limit=limit,
    )
    return StaffCredentialPage(
        items=[
            StaffCredentialOut(
                code=award.code,
                user_id=award.learner_id,
                email=award.learner.email,
                name=award.badge_class.name,
                status=live_status(award),
                awarded_at=award.awarded_at,
                valid_until=award.valid_until,
                verification_url=award.url,
            )
            for award in page
        ],
        next=next_url,
    )
