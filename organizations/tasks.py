"""Celery tasks and outbox handlers: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from lms.outbox import notifications_queue, outbox_handler
from organizations import services
from organizations.models import ImportStatus, InvitationImport


@shared_task
def invitations_import_task(job_id: int) -> int:
    job = InvitationImport.objects.select_related("organization", "bundle", "created_by").get(pk=job_id)
    return services.invitations_import_csv(job=job).invited


@outbox_handler("organizations.invitations_import", atomic=False)
def invitations_import(*, job_id: int) -> None:
    """Recorded with the uploaded file; a repeated delivery of a finished job does nothing. Not run inside the
    outbox's transaction, so the import page sees its progress as it goes."""
    job = InvitationImport.objects.select_related("organization", "bundle", "created_by").get(pk=job_id)
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return
    services.invitations_import_csv(job=job)


@outbox_handler("organizations.invitation_send", queue=notifications_queue)
def invitation_send(*, invitation_id: int, language: str | None = None) -> None:
    services.invitation_send(invitation_id=invitation_id, language=language)
