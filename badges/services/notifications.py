"""The learner's e-mails about their awards, recorded in the outbox with the change that causes them and sent by
the worker after the commit (the outbox handlers of `badges.tasks`)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from badges.models import Award, AwardStatus
from lms.outbox import outbox_enqueue_many


def award_notify_record(award_ids: Sequence[int]) -> None:
    """Record the e-mails of new awards in the outbox, in the transaction that stores them (one INSERT); each is
    sent by the worker after the commit (`award_notify`), or later by the outbox if the broker is down."""
    outbox_enqueue_many(handler="badges.award_notify", payloads=[{"award_id": award_id} for award_id in award_ids])


def award_notify(*, award_id: int) -> None:
    """E-mail the learner the link to their new badge, once: the award records when it was sent.

    Run by the outbox (in one transaction with its message, so a repeated delivery finds it sent)."""
    award = Award.objects.select_related("learner", "achievement", "pathway").get(pk=award_id)
    if award.status != AwardStatus.ISSUED or award.notified_at is not None:
        return
    _email_learner(award, "award")
    Award.objects.filter(pk=award_id).update(notified_at=timezone.now())


def award_revoked_notify(*, award_id: int) -> None:
    """E-mail the learner that their badge was revoked, and why. Run by the outbox in one transaction with its
    message (a repeated delivery finds the message done)."""
    award = Award.objects.select_related("learner", "achievement", "pathway").get(pk=award_id)
    if award.revoked_at is None:
        return
    _email_learner(award, "revoked")


def _email_learner(award: Award, kind: str) -> None:
    """The e-mail `badges/email/<kind>_subject.txt` and `<kind>_body.txt` about the award, to its learner."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"award": award, "badge": award.badge_class, "url": award.url, "site_url": settings.SITE_URL}
        subject = render_to_string(f"badges/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"badges/email/{kind}_body.txt", context)
    send_mail(subject, body, None, [award.learner.email])
