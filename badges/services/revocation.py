"""Revoking an award, with a reason, audited: its status bit set and its list signed again, the learner told why,
and on request the pathway credentials that counted it revoked too."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from badges.models import Award, AwardStatus, RevocationAudit, StatusList
from badges.ob3.statuslist import Bitstring
from badges.services.errors import BadgeError
from badges.services.permissions import user_can_revoke, user_is_badge_admin
from badges.services.status_lists import status_list_sign
from badges.signals import credential_revoked
from lms.models import User
from lms.outbox import outbox_enqueue


def award_dependents(*, award: Award) -> list[Award]:
    """The learner's pathway credentials that counted this badge: what a cascade would revoke too."""
    if award.achievement_id is None:
        return []
    return list(
        Award.objects.filter(
            learner_id=award.learner_id,
            pathway__components__achievement_id=award.achievement_id,
            revoked_at__isnull=True,
            status=AwardStatus.ISSUED,
        )
        .select_related("pathway")
        .distinct()
    )


def _revoke_one(*, award_id: int, user: User | None, reason: str, cascaded_from: Award | None) -> Award | None:
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("achievement__issuer", "pathway__issuer")
        .get(pk=award_id)
    )
    if award.revoked_at is not None:
        return None
    now = timezone.now()
    award.revoked_at, award.revocation_reason, award.revoked_by = now, reason, user
    award.save(update_fields=["revoked_at", "revocation_reason", "revoked_by", "updated_at"])
    RevocationAudit.objects.create(
        award=award, reason=reason, revoked_by=user, revoked_at=now, cascaded_from=cascaded_from
    )
    if award.status_list_id is not None and award.status_index is not None:
        status_list = StatusList.objects.select_for_update().select_related("issuer").get(pk=award.status_list_id)
        bits = Bitstring.from_bytes(bytes(status_list.bits))
        bits.set(award.status_index)
        status_list.bits = bits.to_bytes()
        status_list_sign(status_list=status_list)
    # The learner is told why, by the worker after the commit: recorded with the revocation, so never lost.
    outbox_enqueue(handler="badges.award_revoked_notify", payload={"award_id": award.pk})
    credential_revoked.send(sender=Award, award=award)  # in this transaction: integrations' webhook event
    return award


@transaction.atomic
def award_revoke(*, award: Award, user: User, reason: str, cascade: bool = False) -> list[Award]:
    """Revoke an award with a reason (audited): set its status bit and re-sign the list.

    With `cascade`, also the learner's pathway credentials that counted it (see `award_dependents`).
    Platform admins, or the instructors of the award's course. Returns the awards revoked now.
    """
    reason = reason.strip()
    if not reason:
        raise BadgeError(_("Give a reason: it is shown on the verification page."))
    if not user_can_revoke(user=user, award=award):
        raise PermissionDenied(_("You may not revoke this award."))
    dependents = award_dependents(award=award) if cascade else []
    if dependents and not user_is_badge_admin(user):
        raise PermissionDenied(_("Only platform admins may revoke pathway credentials."))
    revoked = []
    first = _revoke_one(award_id=award.pk, user=user, reason=reason, cascaded_from=None)
    if first is not None:
        revoked.append(first)
    for dependent in dependents:
        done = _revoke_one(award_id=dependent.pk, user=user, reason=reason, cascaded_from=award)
        if done is not None:
            revoked.append(done)
    award.refresh_from_db()
    return revoked
