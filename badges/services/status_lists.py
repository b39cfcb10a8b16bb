"""Status lists: reserving an award's index in its issuer's newest list, opening and signing lists.

Locks, when several are taken, are always taken in this order: award row, then status list row.
"""

from __future__ import annotations

import functools
import json
import secrets

from django.db import connection, transaction
from django.db.models import IntegerField
from django.utils import timezone

from badges.models import Award, Issuer, StatusList
from badges.ob3.statuslist import MIN_BITS, Bitstring, random_free_index, status_list_credential
from badges.services import issuers
from badges.services.reads import NewestList
from badges.statements import status_index_reserve
from lms.db import FixedQuery, any_of, fixed_query

STATUS_INDEX_PROBES = 16


def status_index_allocate(*, issuer_id: int, lazy_commit: bool = False) -> tuple[StatusList, int]:
    """Reserve a random free index in the issuer's newest list (a new list when it is full).

    Call inside the transaction that stores the index on an award: the counter UPDATE locks the list row
    only until that short transaction commits, never while a credential is signed. A few indexed probes
    find a free index; a racing transaction that took the same one meets the (list, index) unique
    constraint, and the caller retries. `lazy_commit`: see `badges.statements.status_index_reserve`.
    """
    status_list, size = status_index_reserve(issuer_id=issuer_id, lazy_commit=lazy_commit)
    if status_list is None:
        latest = StatusList.objects.filter(issuer_id=issuer_id).order_by("-number").defer("bits", "credential_json")
        status_list = status_list_create(issuer=Issuer.objects.get(pk=issuer_id), after=latest.first())
        size = status_list.size
    taken = Award.objects.filter(status_list=status_list)
    rng = secrets.SystemRandom()
    for _probe in range(STATUS_INDEX_PROBES):
        index = rng.randrange(size)
        if not taken.filter(status_index=index).exists():  # the (list, index) unique constraint's index answers
            return status_list, index
    # A nearly full list: choose among what is left.
    used = {
        index for index in taken.exclude(status_index=None).values_list("status_index", flat=True) if index is not None
    }
    return status_list, random_free_index(used, size=size, rng=rng)


def status_list_create(*, issuer: Issuer, after: StatusList | None) -> StatusList:
    """The issuer's next list, signed, with one index counted as allocated; never an unsigned one."""
    number = (after.number + 1) if after is not None else 1
    with transaction.atomic():
        status_list = StatusList.objects.create(
            issuer=issuer, number=number, bits=Bitstring(MIN_BITS).to_bytes(), allocated=1
        )
        return status_list_sign(status_list=status_list)


def status_list_sign(*, status_list: StatusList) -> StatusList:
    """Sign the list's current bits as a BitstringStatusListCredential. Call with the list row locked."""
    issuer = status_list.issuer
    now = timezone.now()
    unsigned = status_list_credential(
        list_url=status_list.url,
        issuer=issuer.did,
        bitstring=Bitstring.from_bytes(bytes(status_list.bits)),
        valid_from=now,
    )
    status_list.credential_json = json.dumps(issuers.issuer_sign(issuer, unsigned, now=now), ensure_ascii=False)
    status_list.signed_at = now
    status_list.save(update_fields=["credential_json", "signed_at", "bits"])
    return status_list


def status_indexes_free(newest: NewestList, count: int) -> list[int] | None:
    """`count` distinct random indexes of the list that no award holds now (a concurrent award may still take one:
    the INSERT then skips that row); None when the list has too little room left for the batch."""
    if newest.allocated + count > newest.size:
        return None
    size = newest.size
    # Enough random candidates for `count` free ones, with room to spare, however full the list is.
    wanted = (2 * count + 16) * size // (size - newest.allocated)
    candidates = secrets.SystemRandom().sample(range(size), min(size, wanted))
    if connection.vendor == "postgresql":
        taken = {row["status_index"] for row in _held_query().values(newest.id, candidates)}
    else:
        held = Award.objects.filter(status_list_id=newest.id, status_index__in=candidates)
        taken = set(held.values_list("status_index", flat=True))
    free = [index for index in candidates if index not in taken][:count]
    return free if len(free) == count else None


# No list and no index have these keys: the probe is composed with them, and run with the batch's.
_ANY_LIST, _ANY_INDEXES = -1, [-1]


@functools.cache
def _held_query() -> FixedQuery:
    """PostgreSQL: which of some indexes of a list awards hold (`status_index = ANY(%s::integer[])`, one text
    whatever their number), composed by the ORM once per process and run prepared: a batch's probe of some 120
    candidates was an IN list of as many placeholders, composed and planned for every batch."""
    indexes = any_of("status_index", _ANY_INDEXES, IntegerField())
    held = Award.objects.filter(indexes, status_list_id=_ANY_LIST).order_by()
    return fixed_query(held.values("status_index"), placeholders=[_ANY_LIST, _ANY_INDEXES])


def status_indexes_random(newest: NewestList, count: int) -> list[int] | None:
    """`count` distinct random indexes of the list, unprobed; None when it is half full or more (then most would
    clash: the stepwise path probes)."""
    if 2 * (newest.allocated + count) > newest.size:
        return None
    return secrets.SystemRandom().sample(range(newest.size), count)
