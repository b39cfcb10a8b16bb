"""Spreadsheet exports that never run what a learner typed (CSV/formula injection, OWASP's rule).

A text cell that begins with = + - @ tab or carriage return is prefixed with a single quote, so a spreadsheet shows
it as text; numbers (a grade, a count, a negative number) are left as numbers. In XLSX (`lms.xlsx`) every string
is also written as a text cell, never guessed to be a formula or an error value. The database-written CSV (PostgreSQL
COPY) applies the same rule in SQL with `neutralised_sql`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import CharField, Expression, F, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Concat, Left
from django.db.models.lookups import In

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet should receive it: text that could start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def neutralised_sql(expression: Expression | str) -> Case:
    """The SQL twin of `safe_cell` for a text column: CASE on its first character."""
    text = F(expression) if isinstance(expression, str) else expression
    return Case(
        When(In(Left(text, 1), list(FORMULA_PREFIXES)), then=Concat(Value("'"), text, output_field=CharField())),
        default=text,
        output_field=CharField(),
    )
