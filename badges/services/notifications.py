"""The learner's e-mails about their awards, recorded in the outbox with the change that causes them and sent by
the worker after the commit (the outbox handlers of `badges.tasks`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils import timezone

from badges.models import Award, AwardStatus
from lms.mail import absolute, mail_send, recipient_language
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
    """The e-mail `badges/email/<kind>_subject.txt` and `<kind>_body.txt` about the award, to its learner, in the
    learner's language: the links open the verification page and the badges page in that language."""

    def context(language: str) -> dict[str, Any]:
        return {
            "award": award,
            "badge": award.badge_class,
            "url": absolute(reverse("badges:credential", args=[award.code])),
            "wallet_url": absolute(reverse("badges:wallet")),
        }

    mail_send(
        to=award.learner.email,
        template=f"badges/email/{kind}",
        language=recipient_language(award.learner),
        context=context,
    )
