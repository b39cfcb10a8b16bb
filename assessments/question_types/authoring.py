"""Helpers for the types' authoring blocks: reading a ListBlock value with its item ids, and writing raw
StreamField list data. Choice, pair and item ids are the ListBlock item ids, so an id never changes when an
author edits text, and raw data written from an engine dict keeps them."""

from __future__ import annotations

import uuid
from typing import Any


def list_items(value: Any) -> list[tuple[str, Any]]:
    """(id, value) of each item of a ListBlock value; a new, unsaved item gets a positional id."""
    bound = getattr(value, "bound_blocks", None)
    if bound is None:
        return [(f"i{n}", item) for n, item in enumerate(value or [], start=1)]
    return [(child.id or f"i{n}", child.value) for n, child in enumerate(bound, start=1)]


def raw_list(values: list[Any], ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Raw ListBlock data for `values`, with the given item ids (new ones when None)."""
    return [
        {"type": "item", "value": value, "id": ids[n] if ids else str(uuid.uuid4())} for n, value in enumerate(values)
    ]
