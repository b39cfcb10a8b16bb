"""How numbers, percentages, prices and dates read, in Canadian English and Canadian French.

One set of helpers for every place a figure reaches a person: templates (through the `formatting`
template filters), e-mails, PDFs, admin pages and credential texts. Babel holds the CLDR rules, so
`fr` groups thousands with a no-break space and puts the `$` and `%` after the figure.

Each helper takes the language to write in (`language="fr"`); without it, the active Django
language. Missing values (`None`, `""`) read as the empty string, so a template can add `|default`.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list
from django.conf import settings
from django.utils import timezone, translation

CURRENCY = "CAD"
_LOCALES = {"en": "en_CA", "fr": "fr_CA"}

Number = Decimal | int | float | str


def locale_for(language: str | None = None) -> str:
    """The Babel locale of a Django language code: `en`, `en-ca` → `en_CA`; `fr`, `fr-CA` → `fr_CA`."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).replace("_", "-").lower()
    return _LOCALES.get(code.split("-")[0], _LOCALES["en"])


def _decimal(value: Number | None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal, max_decimals: int) -> Decimal:
    """Round half up to at most `max_decimals` places, drop trailing zeros, never use exponent notation."""
    rounded = number.quantize(Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_UP) + 0
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()


def format_number(value: Number | None, *, language: str | None = None, max_decimals: int = 2) -> str:
    """`1234.50` → `1,234.5` (en) or `1 234,5` (fr): grouped, no needless decimals, no exponent."""
    number = _decimal(value)
    if number is None:
        return ""
    return babel_numbers.format_decimal(
        _plain(number, max_decimals), locale=locale_for(language), decimal_quantization=False
    )


def format_percent(value: Number | None, *, language: str | None = None, max_decimals: int = 2) -> str:
    """A percentage given out of 100: `70` → `70%` (en) or `70 %` (fr); `12.50` → `12.5%` / `12,5 %`."""
    number = _decimal(value)
    if number is None:
        return ""
    return _percent_text(_plain(number, max_decimals) / 100, locale_for(language))


@functools.lru_cache(maxsize=4096)
def _percent_text(ratio: Decimal, locale: str) -> str:
    """Babel's percentage, remembered: a table of progress repeats a few hundred values at most, and Babel's
    pattern formatting cost about 0.1 ms a cell (the organization dashboard's 50 rows)."""
    return babel_numbers.format_percent(ratio, locale=locale, decimal_quantization=False)


def format_price(value: Number | None, *, language: str | None = None, currency: str = CURRENCY) -> str:
    """An amount in dollars and cents: `1570.5` → `$1,570.50` (en) or `1 570,50 $` (fr)."""
    number = _decimal(value)
    if number is None:
        return ""
    return _price_text(number, currency, locale_for(language))


@functools.lru_cache(maxsize=4096)
def _price_text(number: Decimal, currency: str, locale: str) -> str:
    """Babel's amount, remembered as `_percent_text` is: equal amounts read the same (rounded to the cent)."""
    return babel_numbers.format_currency(number, currency, locale=locale)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def format_date_iso(value: dt.date | dt.datetime | None) -> str:
    """`2026-12-04`: for tables, exports and anything read by machines as well as people."""
    if value is None or value == "":
        return ""
    return _as_date(value).isoformat()


def format_date(value: dt.date | dt.datetime | None, *, language: str | None = None) -> str:
    """The date written out: `December 4, 2026` (en) or `4 décembre 2026` (fr)."""
    if value is None or value == "":
        return ""
    return babel_dates.format_date(_as_date(value), format="long", locale=locale_for(language))


def format_datetime(value: dt.datetime | None) -> str:
    """A moment in the site's time zone: `2026-12-04 14:05` in both languages (24-hour clock, ISO date)."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.date().isoformat()} {value:%H:%M}"


def format_person(user: Any) -> str:
    """`Lea Learner <lea@example.org>` wherever a person is listed or chosen; the address alone without a name."""
    if user is None or user == "":
        return ""
    name = (getattr(user, "display_name", "") or "").strip()
    email = getattr(user, "email", "") or ""
    return f"{name} <{email}>" if name and email else name or email


def format_languages(codes: Any, *, language: str | None = None) -> str:
    """Languages named in the reader's language and listed: `English and French` (en), `Anglais et français` (fr)."""
    names = Locale.parse(locale_for(language)).languages
    listed = [names.get(str(code).split("-")[0], str(code)) for code in codes]
    if not listed:
        return ""
    text = format_list(listed, locale=locale_for(language))
    return text[:1].upper() + text[1:]
