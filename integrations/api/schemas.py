"""The shapes every resource shares."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """Every error: a stable `code`, a `message` for people, and the fields at fault (400) by name."""

    code: str
    message: str
    fields: dict[str, str]
