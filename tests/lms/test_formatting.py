"""Numbers, percentages, prices and dates read the Canadian English or Canadian French way."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from lms.formatting import (
    format_date,
    format_date_iso,
    format_datetime,
    format_number,
    format_percent,
    format_person,
    format_price,
    locale_for,
)

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize(
    ("language", "locale"), [("en", "en_CA"), ("en-ca", "en_CA"), ("fr", "fr_CA"), ("fr-CA", "fr_CA"), ("de", "en_CA")]
)
def test_each_django_language_code_maps_to_a_canadian_locale(language, locale):
    assert locale_for(language) == locale


def test_prices_group_thousands_and_show_cents_in_english():
    assert format_price(Decimal("1570.5"), language="en") == "$1,570.50"


def test_prices_group_thousands_and_put_the_dollar_after_in_french():
    assert format_price(Decimal("1570.5"), language="fr-CA") == f"1{NBSP}570,50{NBSP}$"


def test_a_zero_price_still_shows_its_cents():
    assert (format_price(0, language="en"), format_price(0, language="fr")) == ("$0.00", f"0,00{NBSP}$")


def test_a_negative_price_keeps_its_sign():
    assert format_price(Decimal("-12.5"), language="en") == "-$12.50"


def test_a_large_price_is_grouped_in_every_thousand():
    assert format_price(Decimal("1234567.89"), language="fr") == f"1{NBSP}234{NBSP}567,89{NBSP}$"


def test_a_normalized_decimal_percent_reads_without_exponent():
    assert format_percent(Decimal("7E+1"), language="en") == "70%"
    assert format_percent(Decimal("7E+1"), language="fr") == f"70{NBSP}%"


def test_a_percent_drops_needless_decimals_and_keeps_the_useful_one():
    assert format_percent(Decimal("12.50"), language="en") == "12.5%"
    assert format_percent(Decimal("12.50"), language="fr") == f"12,5{NBSP}%"
    assert format_percent(Decimal("70.00"), language="en") == "70%"


def test_zero_and_negative_percents():
    assert format_percent(0, language="en") == "0%"
    assert format_percent(Decimal("-5"), language="fr") == f"-5{NBSP}%"


def test_numbers_group_thousands_and_never_use_exponents():
    assert format_number(Decimal("1E+6"), language="en") == "1,000,000"
    assert format_number(Decimal("1E+6"), language="fr") == f"1{NBSP}000{NBSP}000"


def test_numbers_round_to_two_decimals_and_drop_trailing_zeros():
    assert format_number(Decimal("12.50"), language="en") == "12.5"
    assert format_number(Decimal("2.345"), language="fr") == "2,35"
    assert format_number(Decimal("-0.001"), language="en") == "0"
    assert format_number(0, language="en") == "0"


def test_missing_values_read_as_empty_text():
    helpers = (format_number, format_percent, format_price)
    assert [helper(value) for helper in helpers for value in (None, "")] == [""] * 6
    assert (format_date(None), format_date_iso(None), format_datetime(None)) == ("", "", "")


def test_dates_are_written_out_in_each_language():
    day = dt.date(2026, 12, 4)
    assert format_date(day, language="en") == "December 4, 2026"
    assert format_date(day, language="fr") == "4 décembre 2026"


def test_iso_dates_use_the_site_time_zone_for_moments(settings):
    settings.TIME_ZONE = "America/Toronto"
    late_evening = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
    assert format_date_iso(late_evening) == "2026-12-04"
    assert format_datetime(late_evening) == "2026-12-04 22:00"


def test_helpers_follow_the_active_language_when_none_is_given():
    with translation.override("fr"):
        assert format_price(Decimal("1570.50")) == f"1{NBSP}570,50{NBSP}$"
    with translation.override("en"):
        assert format_price(Decimal("1570.50")) == "$1,570.50"


def test_template_filters_format_in_the_active_language():
    template = Template(
        "{% load formatting %}{{ p|price }}|{{ r|percent }}|{{ n|number }}|{{ d|date_iso }}|{{ d|date_long }}"
    )
    context = Context({"p": Decimal("1570.5"), "r": Decimal("7E+1"), "n": 12345, "d": dt.date(2026, 12, 4)})
    with translation.override("fr"):
        rendered = template.render(context)
    assert rendered == f"1{NBSP}570,50{NBSP}$|70{NBSP}%|12{NBSP}345|2026-12-04|4 décembre 2026"


def test_a_person_reads_as_name_and_address_or_the_address_alone():
    named = SimpleNamespace(display_name="Lea Learner", email="lea@example.test")
    unnamed = SimpleNamespace(display_name="", email="noah@example.test")
    assert (format_person(named), format_person(unnamed), format_person(None)) == (
        "Lea Learner <lea@example.test>",
        "noah@example.test",
        "",
    )
