"""Outgoing webhooks: an organization's endpoints, the events that happened to its staff, and their deliveries.

An event is recorded in the transaction of its change (the lower apps' in-transaction signals), with one delivery
a subscribed endpoint and an outbox message that publishes it after the commit; so none is lost. Each attempt is
recorded with the endpoint's answer.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

__all__ = [
    "DeliveryStatus",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookSequence",
]


class WebhookEventType(models.TextChoices):
    ENROLMENT_CREATED = "enrolment.created", _("A learner is enrolled in a course")
    COURSE_COMPLETED = "course.completed", _("A learner completed a course")
    CREDENTIAL_ISSUED = "credential.issued", _("A credential is issued")
    CREDENTIAL_REVOKED = "credential.revoked", _("A credential is revoked")
    SEAT_ASSIGNED = "seat.assigned", _("A seat is assigned")
    SEAT_RECLAIMED = "seat.reclaimed", _("A seat is reclaimed")


class WebhookEndpoint(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=2000)
    # The signing secret ("whsec_..."), encrypted with the key-encryption keys (Fernet): the HMAC needs it back.
    secret_encrypted = models.TextField(editable=False)
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who delivers to it now: one worker at a time, so its deliveries go out in order (a lease, not a lock).
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["organization", "pk"]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.events


class WebhookSequence(models.Model):
    """An organization's last event number: its row is locked while an event is recorded, so the numbers of one
    organization's events follow their commit order (a delivery never overtakes an earlier committed event)."""

    organization = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="webhook_sequence"
    )
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.last}"


class WebhookEvent(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(_("type"), max_length=40, choices=WebhookEventType.choices)
    sequence = models.PositiveBigIntegerField(_("number"))
    payload = models.JSONField(_("data"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(fields=["organization", "sequence"], name="integrations_event_sequence_unique"),
            models.CheckConstraint(condition=Q(type__in=WebhookEventType.values), name="integrations_event_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence}"

    @property
    def message_id(self) -> str:
        """The `webhook-id` of every delivery of this event (the same on retries and replays: receivers dedupe)."""
        return f"evt_{self.uid.hex}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # Attempts since it was recorded or last replayed (the retry budget); every attempt is kept as a WebhookAttempt.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="integrations_delivery_once_per_endpoint"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="integrations_delivery_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="integrations_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_records")
    attempted_at = models.DateTimeField(_("when"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
