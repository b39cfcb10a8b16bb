"""What every question type shares: the errors a response or a question can raise, the outcome of grading one
response, and the small readers and checks the types build on (ids, lists of records, texts, numbers).

Pure: no Django, no database, no I/O (messages go through `assessments.i18n`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Protocol, TypeGuard

from assessments.i18n import _

MAX_RESPONSE_CHARS = 10_000
MAX_NUMBER_CHARS = 50
CENT = Decimal("0.01")

ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
PLACEHOLDER_RE = re.compile(r"\[\[([^\[\]]*)\]\]")


class MalformedResponse(ValueError):
    """A response that the quiz form cannot have sent: wrong type, unknown id, duplicate, too long."""

    def __init__(self, message: str, *, question_key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.question_key = question_key


class IncompleteAnswer(ValueError):
    """A saved draft that is not yet a whole answer (an ordering with items left without a position, or two
    items in one position): fine while studying, refused when the learner submits or checks it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidQuestion(ValueError):
    """A question that fails `validate_question`; publishing should have refused it."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Outcome:
    """A graded response before points: the share of the points earned, feedback texts and the detail shown."""

    fraction: Fraction
    feedback: list[str]
    detail: dict[str, Any]


def normalise_text(text: str) -> str:
    """The form in which accepted answers and text responses are compared."""
    collapsed = " ".join(unicodedata.normalize("NFC", text).split())
    return unicodedata.normalize("NFC", collapsed.casefold())


def shown(value: Any) -> str:
    """A value quoted in a message, cut short so that a huge input never becomes a huge message."""
    text = str(value)
    return text if len(text) <= 64 else text[:63] + "…"


def cents(value: Fraction) -> Decimal:
    """Round a non-negative exact value half up to cents."""
    # floor(n/d * 100 + 1/2) in integers, as (200n + d) // 2d: exact like the Fraction sum, without building one.
    numerator, denominator = value.numerator, value.denominator
    return (Decimal((200 * numerator + denominator) // (2 * denominator)) / 100).quantize(CENT)


def decimal(value: Any) -> Decimal | None:
    """A finite Decimal from an int, Decimal, float or numeric string; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    if isinstance(value, str) and len(value) > MAX_NUMBER_CHARS:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number.adjusted()) > 100:
        return None
    return number


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def is_list(value: Any) -> TypeGuard[Sequence[Any]]:
    """A list, or any other sequence but text, such as the ListValue of a Wagtail ListBlock."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def records(q: Mapping[str, Any], key: str) -> list[Mapping[str, Any]] | None:
    value = q.get(key)
    if not is_list(value) or not all(isinstance(item, Mapping) for item in value):
        return None
    return list(value)


def ids_errors(items: list[Mapping[str, Any]], *, bad: str, duplicate: str) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for record in items:
        record_id = record.get("id")
        if not isinstance(record_id, str) or not ID_RE.fullmatch(record_id):
            if _(bad) not in errors:
                errors.append(_(bad))
            continue
        if record_id in seen:
            errors.append(_(duplicate) % {"id": record_id})
        seen.add(record_id)
    return errors


def duplicate_texts(texts: list[str], message: str) -> list[str]:
    seen: set[str] = set()
    errors: list[str] = []
    for text in texts:
        key = normalise_text(text)
        if key in seen:
            errors.append(_(message) % {"text": shown(text.strip())})
        seen.add(key)
    return errors


@dataclass(frozen=True)
class ListedTexts:
    """The messages for a list of records with an id and a text each (a question's choices, an ordering's items)."""

    not_a_list: str
    too_few: str
    bad_id: str
    duplicate_id: str
    no_text: str
    duplicate_text: str


def listed_text_errors(
    q: Mapping[str, Any], key: str, messages: ListedTexts
) -> tuple[list[str], list[Mapping[str, Any]]]:
    """The errors of `q[key]`, a list of at least two records, each with its own id and its own text; and the
    records (empty when `q[key]` is not such a list)."""
    items = records(q, key)
    if items is None:
        return [_(messages.not_a_list)], []
    errors: list[str] = []
    if len(items) < 2:
        errors.append(_(messages.too_few))
    errors += ids_errors(items, bad=messages.bad_id, duplicate=messages.duplicate_id)
    if not all(is_text(item.get("text")) for item in items):
        errors.append(_(messages.no_text))
    else:
        errors += duplicate_texts([item["text"] for item in items], messages.duplicate_text)
    return errors, items


def optional_text_errors(q: Mapping[str, Any], key: str, message: str) -> list[str]:
    return [] if isinstance(q.get(key, ""), str) else [_(message)]


def check_length(raw: str, limit: int = MAX_RESPONSE_CHARS) -> None:
    if len(raw) > limit:
        raise MalformedResponse(_("An answer can be at most %(limit)s characters long.") % {"limit": limit})


def text_response(raw: Any, message: str, *, limit: int = MAX_RESPONSE_CHARS) -> str | None:
    """A stripped string response, None when blank; MalformedResponse for non-strings and huge strings."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise MalformedResponse(_(message))
    check_length(raw, limit)
    stripped = raw.strip()
    return stripped or None


def id_list(raw: Any, known: list[str], *, message: str, unknown: str, duplicate: str) -> list[str] | None:
    """A list of known, distinct ids; None when blank."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, list | tuple):
        raise MalformedResponse(_(message))
    seen: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise MalformedResponse(_(message))
        check_length(item)
        if item not in known:
            raise MalformedResponse(_(unknown) % {"id": shown(item)})
        if item in seen:
            raise MalformedResponse(_(duplicate) % {"id": shown(item)})
        seen.append(item)
    return seen or None


# --- the posted form ---------------------------------------------------------------------------------------

MAX_FIELD_CHARS = 100_000


class PostData(Protocol):
    """The posted form fields (a Django QueryDict)."""

    def getlist(self, key: str, default: list[str] | None = None) -> list[str]: ...


def one_field(data: PostData, name: str) -> str:
    """The one value posted for `name` ("" when none); MalformedResponse when it was sent twice or is huge."""
    values = data.getlist(name)
    if len(values) > 1:
        raise MalformedResponse(_("A field was sent twice."))
    value = values[0] if values else ""
    if len(value) > MAX_FIELD_CHARS:
        raise MalformedResponse(_("An answer is too long."))
    return value


def option_id(value: str, order: list[str]) -> str:
    """The id of the option shown at position `value` (the form names options by position, never by id)."""
    if not value.isdigit() or int(value) >= len(order):
        raise MalformedResponse(_("That choice is not one of the options."))
    return order[int(value)]
