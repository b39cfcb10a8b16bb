"""`{% load formatting %}`: `|number`, `|percent`, `|price`, `|date_iso`, `|date_long`, `|datetime_short`, `|person`, `|languages`.

Each filter writes in the active language (`|number`, `|price` and `|date_long` take another: `|price:"fr"`);
see lms.formatting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from lms import formatting

register = template.Library()


@register.filter
def number(value: Any, language: str | None = None) -> str:
    return formatting.format_number(value, language=language)


@register.filter
def percent(value: Any, decimals: int | str | None = None) -> str:
    """`{{ rate|percent }}`; `{{ tax_rate|percent:3 }}` keeps up to three decimals (14.975 %)."""
    if decimals is None or decimals == "":
        return formatting.format_percent(value)
    return formatting.format_percent(value, max_decimals=int(decimals))


@register.filter
def price(value: Any, language: str | None = None) -> str:
    return formatting.format_price(value, language=language)


@register.filter
def date_iso(value: dt.date | dt.datetime | None) -> str:
    return formatting.format_date_iso(value)


@register.filter
def date_long(value: dt.date | dt.datetime | None, language: str | None = None) -> str:
    return formatting.format_date(value, language=language)


@register.filter
def datetime_short(value: dt.datetime | None) -> str:
    return formatting.format_datetime(value)


@register.filter
def person(user: Any) -> str:
    """`Name <email>` (escaped on output like any value)."""
    return formatting.format_person(user)


@register.filter
def languages(codes: Any) -> str:
    """`{{ course_languages|languages }}`: `English and French` / `Anglais et français`."""
    return formatting.format_languages(codes)
