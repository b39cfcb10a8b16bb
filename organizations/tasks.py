"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task
def invitations_import_task(job_id: int) -> int:
    from organizations.models import InvitationImport
    from organizations.services import invitations_import_csv

    job = InvitationImport.objects.select_related("organization", "bundle", "created_by").get(pk=job_id)
    return invitations_import_csv(job=job).invited
