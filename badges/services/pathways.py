"""Pathways: badges stacked into a bigger credential. Whether a learner's badges satisfy a pathway's rule, and
issuing the pathway credentials they complete (through the issuing use case's `issuing.badge_issue`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations, pairwise

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from badges.models import Award, AwardStatus, Pathway, PathwayComponent
from badges.services import issuing
from badges.services.errors import BadgeError
from badges.services.permissions import user_is_badge_admin
from lms.models import User
from lms.outbox import outbox_enqueue_many

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PathwayStatus:
    pathway: Pathway
    earned: int
    needed: int
    chosen: tuple[int, ...]  # the achievement ids that satisfy the rule, in pathway order; () when not yet

    @property
    def complete(self) -> bool:
        return bool(self.chosen)


def pathway_rule_satisfied(
    *,
    components: Sequence[tuple[int, datetime | None]],
    needed: int,
    window: timedelta | None,
    ordered: bool,
) -> tuple[int, ...]:
    """The first set of `needed` earned components (achievement id, earned at) meeting the window and order.

    `components` are in pathway order; None marks one not earned. Returns () when no set qualifies.
    """
    earned = [(achievement_id, at) for achievement_id, at in components if at is not None]
    if needed <= 0 or len(earned) < needed:
        return ()
    for chosen in combinations(earned, needed):
        times = [at for _id, at in chosen]
        if ordered and any(later < earlier for earlier, later in pairwise(times)):
            continue
        if window is not None and max(times) - min(times) > window:
            continue
        return tuple(achievement_id for achievement_id, _at in chosen)
    return ()


def pathway_status(*, pathway: Pathway, earned_at: dict[int, datetime]) -> PathwayStatus:
    components = [
        (component.achievement_id, earned_at.get(component.achievement_id)) for component in pathway.components.all()
    ]
    needed = pathway.needed
    chosen = pathway_rule_satisfied(
        components=components,
        needed=needed,
        window=timedelta(days=pathway.window_days) if pathway.window_days else None,
        ordered=pathway.ordered,
    )
    return PathwayStatus(
        pathway=pathway, earned=sum(1 for _id, at in components if at is not None), needed=needed, chosen=chosen
    )


def _earned_awards(learner: User) -> dict[int, Award]:
    awards = Award.objects.in_good_standing().filter(learner=learner, achievement__isnull=False)
    return {award.achievement_id: award for award in awards.select_related("achievement") if award.achievement_id}


def pathways_evaluate(*, learner: User, pathway_ids: Sequence[int] | None = None) -> list[Award]:
    """Issue every pathway credential the learner's badges now complete (idempotent); return the new ones.
    `pathway_ids`: only these pathways."""
    earned = _earned_awards(learner)
    if not earned:
        return []
    already = set(
        Award.objects.filter(learner=learner, pathway__isnull=False, status=AwardStatus.ISSUED).values_list(
            "pathway_id", flat=True
        )
    )
    candidates = Pathway.objects.all() if pathway_ids is None else Pathway.objects.filter(pk__in=pathway_ids)
    pathways = (
        candidates.filter(components__achievement_id__in=earned)
        .exclude(pk__in=already)
        .distinct()
        .select_related("issuer")
        .prefetch_related("components")
    )
    issued = []
    for pathway in pathways:
        status = pathway_status(pathway=pathway, earned_at={pk: award.awarded_at for pk, award in earned.items()})
        if status.complete:
            evidence = [earned[achievement_id] for achievement_id in status.chosen]
            issued.append(issuing.badge_issue(learner=learner, badge=pathway, grade=None, evidence=evidence))
    return issued


PATHWAY_BATCH_SIZE = 200


@transaction.atomic
def pathway_evaluate_all(*, pathway: Pathway, user: User | None) -> int:
    """A pathway was created or its rule or badges changed: issue it to every learner who already qualifies.

    Records in the outbox, in the caller's transaction, one message per batch of `PATHWAY_BATCH_SIZE` learners who
    hold one of its badges in good standing and not the pathway (revoked pathway credentials are never issued
    again); the worker issues to those who qualify (`pathway_issue_to_learners`), idempotently (the unique
    (learner, pathway) constraint). `user`: who changed it (checked); None for code paths of the platform
    (the demo, a command). Returns how many learners are to be evaluated."""
    if user is not None and not (user_is_badge_admin(user) or user.has_perm("badges.change_pathway")):
        raise PermissionDenied(_("You may not change pathways."))
    components = PathwayComponent.objects.filter(pathway=pathway).values("achievement_id")
    holders = (
        Award.objects.in_good_standing()
        .filter(achievement_id__in=components)
        .exclude(learner_id__in=Award.objects.filter(pathway=pathway).values("learner_id"))
        .values_list("learner_id", flat=True)
        .distinct()
        .order_by("learner_id")
    )
    ids = list(holders)
    batches = [
        {"pathway_id": pathway.pk, "learner_ids": ids[start : start + PATHWAY_BATCH_SIZE]}
        for start in range(0, len(ids), PATHWAY_BATCH_SIZE)
    ]
    outbox_enqueue_many(handler="badges.pathway_evaluate_batch", payloads=batches)
    logger.info("Pathway %s: %d learners queued for evaluation", pathway.slug, len(ids))
    return len(ids)


def pathway_issue_to_learners(*, pathway_id: int, learner_ids: Sequence[int]) -> list[Award]:
    """Issue the pathway to those of `learner_ids` whose badges complete it (the worker's half of
    `pathway_evaluate_all`). A failure of one learner fails the batch, after the others were tried: the outbox
    delivers it again, and what was issued is found issued."""
    issued: list[Award] = []
    failures = 0
    for learner in User.objects.filter(pk__in=learner_ids).order_by("pk"):
        try:
            issued += pathways_evaluate(learner=learner, pathway_ids=[pathway_id])
        except Exception:
            logger.exception("Issuing pathway %s to learner %s failed", pathway_id, learner.pk)
            failures += 1
    if failures:
        raise BadgeError(f"{failures} of {len(learner_ids)} learners of pathway {pathway_id} failed.")
    return issued
