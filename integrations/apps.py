"""Integrations: the JSON API (`/api/v1/`), its tokens, and outgoing signed webhooks.

The top app (DESIGN): it may import every other app, and nothing imports it. It reaches the domain through each
app's services and selectors, and learns of events through the signals the lower apps send.
"""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"

    def ready(self) -> None:
        from badges.signals import credential_revoked, credentials_issued
        from integrations.webhooks import receivers
        from organizations.signals import seat_assigned, seat_reclaimed
        from progress.signals import course_completed, enrolment_created

        # Webhook events are recorded in the transaction of their change (integrations.webhooks.receivers).
        enrolment_created.connect(receivers.on_enrolment_created, dispatch_uid="integrations.webhooks.enrolment")
        course_completed.connect(receivers.on_course_completed, dispatch_uid="integrations.webhooks.completed")
        credentials_issued.connect(receivers.on_credentials_issued, dispatch_uid="integrations.webhooks.issued")
        credential_revoked.connect(receivers.on_credential_revoked, dispatch_uid="integrations.webhooks.revoked")
        seat_assigned.connect(receivers.on_seat_assigned, dispatch_uid="integrations.webhooks.seat_assigned")
        seat_reclaimed.connect(receivers.on_seat_reclaimed, dispatch_uid="integrations.webhooks.seat_reclaimed")
