"""Importing invitations from a CSV file: every bad row reported with its reason, every good one invited at once."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from lms.i18n import supported_language
from lms.mail import recipient_language
from lms.models import User
from lms.outbox import outbox_enqueue
from organizations.models import ImportStatus, Invitation, InvitationImport, Membership, Organization, SeatBundle
from organizations.services.invitations import _email_problem, _invitations_send_later
from organizations.services.rules import OrganizationError, _check_admin
from organizations.services.seats import _lock_bundle, seats_reserved

logger = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 20_000
PROGRESS_EVERY = 200


@dataclass(frozen=True)
class RowProblem:
    line: int
    email: str
    reason: str


EMAIL_HEADERS = frozenset({"email", "e-mail", "courriel", "adresse courriel"})
LANGUAGE_HEADERS = frozenset({"language", "langue"})


@dataclass(frozen=True)
class CsvRow:
    line: int
    email: str
    language: str  # as written in the file; blank when the file has no `language` column or the cell is empty


def _csv_addresses(source: str) -> list[CsvRow]:
    """The addresses of the first column, with the cell of a `language` column when a header row names one."""
    rows = []
    language_column: int | None = None
    for line, row in enumerate(csv.reader(io.StringIO(source)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        cell = row[0].strip()
        if line == 1 and cell.lower() in EMAIL_HEADERS:
            names = [name.strip().lower() for name in row]
            language_column = next((i for i, name in enumerate(names) if name in LANGUAGE_HEADERS), None)
            continue
        language = row[language_column].strip() if language_column is not None and language_column < len(row) else ""
        rows.append(CsvRow(line=line, email=cell.lower(), language=language))
    return rows


def _language_problem(value: str) -> str | None:
    """Why a CSV's language cell is refused, or None (blank is allowed: the invitation is then bilingual)."""
    if not value or supported_language(value):
        return None
    return _("unknown language “%(value)s”: write en or fr, or leave it empty") % {"value": value}


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

    Nothing is half done: either every good row is invited, or (on a failure) none is and the job says why. The
    reasons are written in the language of the admin who uploaded the file, who reads the report.
    """
    with translation.override(recipient_language(job.created_by)):
        return _invitations_import_csv(job=job)


def _invitations_import_csv(*, job: InvitationImport) -> InvitationImport:
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
    good: list[CsvRow] = []
    seen: set[str] = set()
    for done, row in enumerate(rows, start=1):
        email = row.email
        reason = _email_problem(organization=organization, email=email) or _language_problem(row.language)
        if reason is None and email in seen:
            reason = _("listed twice in the file")
        elif reason is None and email in members:
            reason = _("already a member")
        elif reason is None and email in invited:
            reason = _("already invited")
        if reason:
            problems.append(RowProblem(line=row.line, email=email, reason=str(reason)))
        else:
            good.append(row)
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
                problems += [RowProblem(line=row.line, email=row.email, reason=no_seat) for row in good[seats_left:]]
                good = good[:seats_left]
            errors = [
                {"line": p.line, "email": p.email, "reason": p.reason} for p in sorted(problems, key=lambda p: p.line)
            ]
            created = Invitation.objects.bulk_create(
                [
                    Invitation(
                        organization=organization,
                        email=row.email,
                        bundle=job.bundle,
                        invited_by=job.created_by,
                        language=supported_language(row.language) or "",
                    )
                    for row in good
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
