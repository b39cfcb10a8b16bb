"""The one rule every spreadsheet export follows: text that could start a formula is quoted; numbers stay numbers."""

from decimal import Decimal

import pytest

from lms.exports import safe_cell, safe_row


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_could_start_a_formula_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


def test_ordinary_text_is_left_alone():
    assert safe_cell("Lea Learner") == "Lea Learner"


@pytest.mark.parametrize("number", [-3, Decimal("-2.50"), -0.5, 0])
def test_a_negative_number_is_a_number_not_a_formula(number):
    assert safe_cell(number) is number


def test_a_row_is_quoted_cell_by_cell():
    assert safe_row(["=x", 5, None]) == ["'=x", 5, None]
