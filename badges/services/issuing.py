"""Issuing a badge: the whole use case, read from the top.

1. `award_issue_for_enrolment` (the task of "course completed") reads what it needs in one query
   (`reads.issue_read`); a new award is signed in memory (`_credential_sign`: `documents.credential_build`, then
   `issuers.issuer_sign`) and stored signed, its status index counted, by one statement with its e-mail's outbox
   row (`_awards_store_signed`: `badges.statements.awards_insert`, `_issued_record`: the e-mail's outbox row and `credentials_issued`).
2. Anything else goes the stepwise way (`badge_issue`): the award row is committed first with its code and status
   index (`_award_row`, `status_lists.status_index_allocate`), then signed (`_award_sign_new`, or `_award_sign`
   under the row's lock), or its failure recorded on it for admins (`_award_fail`).
3. A badge a pathway counts then evaluates the learner's pathways (`pathways.pathways_evaluate`), which issue
   their credentials through `badge_issue` too.
4. Many completions at once (`achievement_awards_issue`, queued in batches through the outbox) are issued by
   `award_issue_for_enrolments`: one read, one probe and one statement a batch.

Locks, when several are taken, are always taken in this order: award row, then status list row. Creating
an award row takes only its status list row (the new award row is not visible to anyone else yet).
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from badges.models import Achievement, Award, AwardStatus, Pathway, PathwayComponent, SigningKey, StatusList
from badges.services import issuers
from badges.services.codes import award_code_generate
from badges.services.documents import credential_build, identity_hash
from badges.services.errors import BadgeError
from badges.services.notifications import award_notify_record
from badges.services.pathways import pathways_evaluate
from badges.services.permissions import user_can_issue, user_is_badge_admin
from badges.services.reads import IssueRead, issue_read, issue_reads
from badges.services.status_lists import status_index_allocate, status_indexes_free, status_indexes_random
from badges.signals import credentials_issued
from badges.statements import awards_insert
from lms.models import User
from lms.outbox import outbox_enqueue_many

logger = logging.getLogger(__name__)


def _award_row(*, learner: User, badge: Achievement | Pathway, grade: Decimal | None, looked_up: bool = False) -> Award:
    """The one award row of (learner, badge): created on first call, found on every later one.

    The row is created with its validation code and its status-list index, in one short transaction.
    `looked_up`: the caller has just found no row (saves a query; the unique constraint still decides).

    That transaction commits without waiting for the disk (PostgreSQL's `synchronous_commit` off, for it
    alone): the row is visible to every session at once, which is what a stuck or killed worker needs, and
    it becomes durable with the next synchronous commit of the same server, at the latest the one that stores
    the credential or the failure (WAL is flushed in order), before the task is acknowledged. A database
    crash in between loses only the unsigned row; the unacknowledged task is delivered again and recreates it.
    One disk flush a credential instead of two. Not when called inside a transaction of the caller's.
    """
    lookup: dict[str, Any] = {"learner": learner}
    lookup["pathway" if isinstance(badge, Pathway) else "achievement"] = badge
    existing = None if looked_up else Award.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    # Inside a caller's transaction the setting would reach that transaction's own commit: stay synchronous.
    lazy_commit = not connection.in_atomic_block
    for _attempt in range(8):
        try:
            with transaction.atomic():
                try:
                    status_list, status_index = status_index_allocate(
                        issuer_id=badge.issuer_id, lazy_commit=lazy_commit
                    )
                except BadgeError:
                    # No new list can be signed (the issuer has no key yet): make the row all the same, so
                    # the failure is recorded on it; signing reserves the index when it is retried.
                    status_list, status_index = None, None
                return Award.objects.create(
                    **lookup,
                    code=award_code_generate(),
                    grade=grade,
                    status_list=status_list,
                    status_index=status_index,
                )
        except IntegrityError:
            # The (learner, badge) constraint (someone else created it: use theirs), a code clash, an
            # index clash with a concurrent award, or a concurrent new status list: try again.
            existing = Award.objects.filter(**lookup).first()
            if existing is not None:
                return existing
    raise BadgeError("Could not allocate a unique validation code and status index.")


def _award_sign(*, award_id: int, evidence: Sequence[Award] = ()) -> tuple[Award, bool]:
    """Build, check, sign and store the credential once. Locks the award row (and, only for a row without a
    status index, then the status list row).

    Returns (award, True) when this call signed it, (award, False) when it already was.
    """
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related(
                "achievement__issuer", "achievement__course", "pathway__issuer", "learner", "status_list__issuer"
            )
            .defer("status_list__bits", "status_list__credential_json")
            .get(pk=award_id)
        )
        if award.status == AwardStatus.ISSUED:
            return award, False
        badge = award.badge_class
        now = timezone.now().replace(microsecond=0)
        award.attempts += 1
        award.awarded_at = award.awarded_at.replace(microsecond=0)
        if award.status_list_id is None:  # a row created before indexes were reserved with it
            award.status_list, award.status_index = status_index_allocate(issuer_id=badge.issuer_id)
            award.status_list.issuer = badge.issuer
        _credential_sign(award=award, badge=badge, now=now, evidence=evidence)
        award.save()
        _issued_record([award])
        return award, True


def _issued_record(awards: Sequence[Award]) -> None:
    """What follows new awards, in the transaction that stores them: their e-mails' outbox rows, and
    `credentials_issued` for upper apps (integrations' webhooks), whose records commit with the awards."""
    if not awards:
        return
    award_notify_record([award.pk for award in awards])
    credentials_issued.send(sender=Award, awards=list(awards))


def _credential_sign(
    *,
    award: Award,
    badge: Achievement | Pathway,
    now: datetime,
    evidence: Sequence[Award],
    key: tuple[str, str] | None = None,
    documents: dict[str, str] | None = None,
    skills: Sequence[dict[str, str]] | None = None,
) -> None:
    """Fill in the award's credential facts, build its credential and sign it (not saved). `documents` and `skills`:
    see `credential_build`."""
    award.valid_from = now
    award.valid_until = now + timedelta(days=badge.validity_days) if badge.validity_days else None
    award.salt = secrets.token_hex(16)
    award.identity_hash = identity_hash(award.learner.email, award.salt)
    award.credential_id = f"urn:uuid:{uuid.uuid4()}"
    unsigned = credential_build(award=award, evidence=evidence, documents=documents, skills=skills)
    signed = issuers.issuer_sign(badge.issuer, unsigned, now=now, key=key)  # refuses terms no context defines
    award.credential_json = json.dumps(signed, ensure_ascii=False)
    award.status, award.error = AwardStatus.ISSUED, ""


def _award_sign_new(
    *, award: Award, badge: Achievement | Pathway, evidence: Sequence[Award], key: tuple[str, str]
) -> Award:
    """Sign the row this call has just created (the common case) without locking it: build and sign from the
    objects in hand, then store with one conditional UPDATE (in one transaction with its e-mail's outbox row),
    which stores nothing if another call has issued the row meanwhile. So at most one credential is ever stored for an award: a
    concurrent `_award_sign` holds the row lock and this UPDATE, waiting for it, then finds the row issued.
    """
    now = timezone.now().replace(microsecond=0)
    award.awarded_at = award.awarded_at.replace(microsecond=0)
    award.attempts += 1
    _credential_sign(award=award, badge=badge, now=now, evidence=evidence, key=key)
    award.updated_at = timezone.now()
    signed = {name: getattr(award, name) for name in (*_SIGNED_FIELDS, "updated_at")}
    unissued = Award.objects.filter(pk=award.pk).exclude(status=AwardStatus.ISSUED)
    # The credential and its e-mail's outbox row commit together (no savepoint: a failure undoes both anyway).
    with transaction.atomic(savepoint=False):
        stored = unissued.update(**signed, status=AwardStatus.ISSUED, error="", attempts=F("attempts") + 1)
        if stored:
            _issued_record([award])
    if not stored:
        return Award.objects.get(pk=award.pk)
    return award


# What signing stores on an award row, besides its status, error, attempts and `updated_at`.
_SIGNED_FIELDS = (
    "awarded_at",
    "valid_from",
    "valid_until",
    "salt",
    "identity_hash",
    "credential_id",
    "credential_json",
)


def _award_fail(*, award_id: int, error: BaseException) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    Award.objects.filter(pk=award_id).exclude(status=AwardStatus.ISSUED).update(
        status=AwardStatus.FAILED, error=message, updated_at=timezone.now()
    )
    logger.error("Issuing award %s failed: %s", award_id, message)


def badge_issue(
    *,
    learner: User,
    badge: Achievement | Pathway,
    grade: Decimal | None,
    evidence: Sequence[Award],
    key: tuple[str, str] | None = None,
    known_absent: bool = False,
) -> Award:
    """`key`: the issuer's active key (fragment, encrypted token), and `known_absent`: the learner had no award
    of this badge, when the caller read them with the badge (saves a query each; the unique constraint still
    decides)."""
    lookup: dict[str, Any] = {"learner": learner}
    lookup["pathway" if isinstance(badge, Pathway) else "achievement"] = badge
    award = None if known_absent else Award.objects.filter(**lookup).first()
    if award is not None and award.status == AwardStatus.ISSUED:
        return award
    created = award is None
    if award is None:
        award = _award_row(learner=learner, badge=badge, grade=grade, looked_up=True)
        if award.status == AwardStatus.ISSUED:  # a concurrent call created and issued it
            return award
    try:
        if created and key is None:
            active_keys = SigningKey.objects.filter(issuer_id=badge.issuer_id, active=True)
            key = active_keys.values_list("fragment", "private_key_encrypted").first()
        if created and award.status_list is not None and key is not None:
            award.status_list.issuer = badge.issuer
            return _award_sign_new(award=award, badge=badge, evidence=evidence, key=key)
        award, _signed_now = _award_sign(award_id=award.pk, evidence=evidence)
    except Exception as error:
        _award_fail(award_id=award.pk, error=error)
        raise
    return award


def award_issue(*, learner: User, achievement: Achievement, grade: Decimal | None = None) -> Award:
    """Issue the learner's badge for `achievement`, exactly once, then any pathway it completes.

    Idempotent: the unique (learner, achievement) constraint means retries and concurrent calls all return
    the same award, signed once. The common case (no row yet) stores the row already signed in one
    transaction; when that fails, it runs in steps, each atomic: the award row is committed first, so a
    failure to sign leaves it visible to admins as "failed" with its error, and a retry finishes it.
    """
    award = badge_issue(learner=learner, badge=achievement, grade=grade, evidence=())
    if PathwayComponent.objects.filter(achievement=achievement).exists():
        pathways_evaluate(learner=learner)
    return award


def award_issue_for_enrolment(*, enrolment_id: int) -> Award | None:
    """The badge of a completed enrolment; None when the course has no badge or the enrolment is not complete.

    Reads the learner, the badge with its issuer and course, the issuer's active key and newest status list, whether
    the learner has it already and whether any pathway counts it, in one query (`reads.issue_read`). A new award (the
    common case) is then signed in memory (the course's skills read for its alignments) and stored signed by one
    statement, which counts its status index, and its e-mail's outbox row by another, committed together
    (`_awards_store_signed`, as a batch of one): four statements and one commit a credential. Nothing is stored
    before the credential is signed, so a worker killed meanwhile leaves no row; the task, acknowledged late, is
    delivered again and issues it. Anything else (an award row already there, a failed signature, an
    issuer without a key or a list, a list half full, a row the INSERT skipped) goes the stepwise way (`badge_issue`),
    which records a failure on the award for admins.
    """
    read = issue_read(enrolment_id=enrolment_id)
    if read is None:
        return None
    stored: list[Award] = []
    if not read.awarded and read.key is not None:
        stored, _left = _awards_store_signed({enrolment_id: read}, probe=False)
    award = (
        stored[0]
        if stored
        else badge_issue(
            learner=read.learner,
            badge=read.achievement,
            grade=read.grade,
            evidence=(),
            key=read.key,
            known_absent=not read.awarded,
        )
    )
    if read.in_pathway:
        pathways_evaluate(learner=read.learner)
    return award


# --- issuing in batches ------------------------------------------------------------------------------------

AWARD_BATCH_SIZE = 50


@dataclass(frozen=True)
class BatchOutcome:
    """What `award_issue_for_enrolments` did with each enrolment it was given."""

    issued: list[int]  # awards signed and stored by the batch's one INSERT
    one_by_one: list[int]  # awards issued (or found issued) by the one-award path
    skipped: list[int]  # enrolments not complete, gone, or whose course has no badge
    failed: list[int]  # enrolments whose award failed (recorded on the award, for admins)


class BatchIssueError(BadgeError):
    """Some awards of a batch failed; the others are stored. Raised so that the task is retried."""


def award_issue_for_enrolments(*, enrolment_ids: Sequence[int]) -> BatchOutcome:
    """Issue the badges of many completed enrolments at once: the bulk path (badges attached to a course that
    already has completions, awards left failed by an outage), where throughput matters more than latency.

    The enrolments with no award yet are signed in memory and stored, per issuer, by one statement that also
    counts their status indexes as allocated (`_awards_store_signed`): one commit for the batch. Everything else
    (an award row already there, an issuer without a key, a status list too full for the batch, a row the INSERT
    skipped because a concurrent call stored it first or an index clashed) goes through
    `award_issue_for_enrolment`, one at a time. So each award is still made and signed exactly once
    (the unique constraints decide), and a retry of the whole batch redoes only what is not issued.
    """
    reads: dict[int, IssueRead] = {}
    skipped, single = [], []
    distinct = list(dict.fromkeys(enrolment_ids))
    found = issue_reads(enrolment_ids=distinct)
    for enrolment_id in distinct:
        read = found.get(enrolment_id)  # None: deleted since it was queued, not complete, or no badge
        if read is None:
            skipped.append(enrolment_id)
        elif read.awarded or read.key is None:
            single.append(enrolment_id)
        else:
            reads[enrolment_id] = read
    by_issuer: dict[int, dict[int, IssueRead]] = {}
    for enrolment_id, read in reads.items():
        by_issuer.setdefault(read.achievement.issuer_id, {})[enrolment_id] = read
    issued: list[int] = []
    in_pathway: dict[int, User] = {}
    for group in by_issuer.values():
        stored, left = _awards_store_signed(group)
        issued += [award.pk for award in stored]
        single += left
        in_pathway |= {read.learner.pk: read.learner for e, read in group.items() if read.in_pathway and e not in left}
    one_by_one, failed = [], []
    for enrolment_id in single:
        try:
            award = award_issue_for_enrolment(enrolment_id=enrolment_id)
        except Exception:  # recorded on the award by `badge_issue`; the rest of the batch goes on
            logger.exception("Issuing the badge of enrolment %s failed", enrolment_id)
            failed.append(enrolment_id)
        else:
            if award is not None:
                one_by_one.append(award.pk)
    for learner in in_pathway.values():  # the one-award path evaluated those of its own awards
        pathways_evaluate(learner=learner)
    outcome = BatchOutcome(issued=issued, one_by_one=one_by_one, skipped=skipped, failed=failed)
    if failed:
        raise BatchIssueError(
            f"{len(failed)} of {len(enrolment_ids)} awards failed (enrolments {failed[:10]}); the others are stored."
        )
    return outcome


def achievement_awards_issue(*, achievement: Achievement, user: User | None) -> int:
    """Issue the badge to every learner who completed its course and does not hold it (a badge attached to a
    course after some completed it, awards left failed by an outage): recorded in the outbox, in the caller's
    transaction, as batches of `AWARD_BATCH_SIZE` enrolments, each issued by the worker after the commit. Returns
    how many were queued.

    Revoked awards are never issued again. Raises BadgeError when the issuer has no key to sign with. `user`: who
    asks (checked); None only for the operator's command line (`manage.py issue_badges`)."""
    from badges.selectors import unissued_completions

    if user is not None and not user_can_issue(user=user, achievement=achievement):
        raise PermissionDenied(_("Only platform admins and the course's instructors may issue its badge."))
    if not SigningKey.objects.filter(issuer_id=achievement.issuer_id, active=True).exists():
        raise BadgeError(
            _("%(issuer)s has no signing key yet: create one before issuing its badges.")
            % {"issuer": achievement.issuer.name}
        )
    ids = list(unissued_completions(achievement=achievement).order_by("pk").values_list("pk", flat=True))
    batches = [
        {"enrolment_ids": ids[start : start + AWARD_BATCH_SIZE]} for start in range(0, len(ids), AWARD_BATCH_SIZE)
    ]
    outbox_enqueue_many(handler="badges.award_issue_batch", payloads=batches)
    logger.info("%s queued badge %s for %d completers", user or "The command line", achievement.slug, len(ids))
    return len(ids)


def _awards_store_signed(reads: dict[int, IssueRead], *, probe: bool = True) -> tuple[list[Award], list[int]]:
    """Sign the awards of `reads` (one issuer's, none awarded yet, each with the issuer's key) in memory, then store
    them, already signed, with one statement that also counts their status indexes as allocated (`badges.statements.awards_insert`),
    and their e-mails' outbox rows with one more, in one transaction.
    Returns (the awards stored, the enrolment ids left for the stepwise path: those signing refused, whose row the
    INSERT skipped, or all of them when the issuer's newest list has too little room (now or when storing) or
    there is none).

    `probe`: choose indexes no award holds now, with one query (for a batch). Without it (one award: a clash is
    about as likely as the list is full, and `status_indexes_random` keeps that under a half), a clashing index makes
    the INSERT skip the row, and the stepwise path issues it.
    """
    first = next(iter(reads.values()))
    issuer, newest = first.achievement.issuer, first.status_list
    if newest is None:
        return [], list(reads)
    indexes = status_indexes_free(newest, len(reads)) if probe else status_indexes_random(newest, len(reads))
    if indexes is None:  # too full: the stepwise path opens the next list
        return [], list(reads)
    status_list = StatusList.from_db(
        connection.alias, ["id", "issuer_id", "number"], [newest.id, issuer.pk, newest.number]
    )
    status_list.issuer = issuer
    now = timezone.now().replace(microsecond=0)
    awards, left = {}, []
    documents: dict[str, str] | None = {} if len(reads) > 1 else None
    for (enrolment_id, read), index in zip(reads.items(), indexes, strict=True):
        award = Award(
            learner=read.learner,
            achievement=read.achievement,
            code=award_code_generate(),
            grade=read.grade,
            status_list=status_list,
            status_index=index,
            awarded_at=now,
            attempts=1,
        )
        try:
            _credential_sign(
                award=award,
                badge=read.achievement,
                now=now,
                evidence=(),
                key=read.key,
                documents=documents,
                skills=read.skills,
            )
        except Exception:  # noqa: BLE001 - the stepwise path signs it again and records the error on its row
            left.append(enrolment_id)
            continue
        awards[enrolment_id] = award
    if not awards:
        return [], left
    # The awards and their e-mails' outbox rows commit together (no savepoint: a failure undoes both anyway).
    with transaction.atomic(savepoint=False):
        awards_insert(status_list_id=status_list.pk, awards=list(awards.values()))  # sets the stored ones' keys
        issued = [award for award in awards.values() if award.pk is not None]
        _issued_record(issued)
    left += [enrolment_id for enrolment_id, award in awards.items() if award.pk is None]
    return issued, left


def award_retry(*, award: Award, user: User) -> Award:
    """An admin retries a failed award."""
    if not user_is_badge_admin(user):
        raise PermissionDenied(_("Only platform admins may retry issuing."))
    if award.achievement is not None:
        return award_issue(learner=award.learner, achievement=award.achievement, grade=award.grade)
    pathways_evaluate(learner=award.learner)
    award.refresh_from_db()
    return award
