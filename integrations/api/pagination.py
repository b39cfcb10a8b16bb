"""Cursor pagination: an opaque cursor, signed (django.core.signing), over the rows' (ordering key, id).

A cursor names the last row of the page it came from, so a page never repeats or skips a row when rows are added
meanwhile. It is signed with a salt naming its list, so a cursor edited by hand, or taken from another list,
answers 400.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from integrations.api.errors import ApiError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _cursor_read(cursor: str, *, salt: str) -> tuple[Any, int]:
    try:
        key, row_id = signing.loads(cursor, salt=f"integrations.api.cursor.{salt}")
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise ApiError(
            400,
            _("This cursor is not valid: start again without one."),
            fields={"cursor": str(error) or _("not valid")},
        ) from error
    if not isinstance(row_id, int):
        raise ApiError(400, _("This cursor is not valid: start again without one."), fields={"cursor": _("not valid")})
    return key, row_id


def _next_url(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _cursor_write(key: Any, row_id: int, *, salt: str) -> str:
    return signing.dumps([key, row_id], salt=f"integrations.api.cursor.{salt}", compress=True)


def page_of_queryset(
    request: HttpRequest,
    rows: QuerySet,
    *,
    salt: str,
    key: str,
    key_value: Callable[[Any], Any],
    key_parse: Callable[[Any], Any] = lambda value: value,
    descending: bool = False,
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """One page of `rows` ordered by (`key`, id), after the cursor's row; and the next page's URL (None at the end).

    `key_value` gives a row's key as JSON can carry it; `key_parse` reads it back for the query. One query.
    """
    direction = "-" if descending else ""
    rows = rows.order_by(f"{direction}{key}", f"{direction}pk")
    if cursor:
        last_key, last_id = _cursor_read(cursor, salt=salt)
        value = key_parse(last_key)
        after = "lt" if descending else "gt"
        rows = rows.filter(Q(**{f"{key}__{after}": value}) | Q(**{key: value, f"pk__{after}": last_id}))
    found = list(rows[: limit + 1])
    page = found[:limit]
    if len(found) <= limit:
        return page, None
    last = page[-1]
    return page, _next_url(request, _cursor_write(key_value(last), last.pk, salt=salt))


def page_of_list(
    request: HttpRequest,
    items: Sequence[T],
    *,
    salt: str,
    key: Callable[[T], list[Any]],
    row_id: Callable[[T], int],
    cursor: str | None,
    limit: int,
) -> tuple[list[T], str | None]:
    """The same over a list a selector already ordered by (`key`, id) ascending (the catalog)."""
    start = 0
    if cursor:
        last_key, last_id = _cursor_read(cursor, salt=salt)
        if not isinstance(last_key, list):
            raise ApiError(
                400, _("This cursor is not valid: start again without one."), fields={"cursor": _("not valid")}
            )
        after = (last_key, last_id)
        start = next((i for i, item in enumerate(items) if (key(item), row_id(item)) > after), len(items))
    page = list(items[start : start + limit])
    if start + limit >= len(items):
        return page, None
    last = page[-1]
    return page, _next_url(request, _cursor_write(key(last), row_id(last), salt=salt))
