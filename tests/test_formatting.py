"""Money in minor units, read and shown: alliance.formatting tested directly, not only through pages."""

from decimal import Decimal

import pytest

from alliance.formatting import format_money, major_amount, parse_money


@pytest.mark.parametrize(("minor", "currency", "amount"), [
    (123450, "EUR", Decimal("1234.50")), (0, "EUR", Decimal("0.00")), (5, "JPY", Decimal("5")),
    (1, "KWD", Decimal("0.001")),
])
def test_major_amount_keeps_the_currency_decimals(minor, currency, amount):
    assert major_amount(minor, currency) == amount
    assert str(major_amount(minor, currency)) == str(amount)  # "1234.50", not "1234.5"


def test_format_money_groups_thousands_and_names_the_currency():
    assert format_money(123450, "EUR") == "1,234.50 EUR"
    assert format_money(1234, "JPY") == "1,234 JPY"
    assert format_money(None, "EUR") == ""


@pytest.mark.parametrize("typed", ["1,234.50", "1.234,50", "1 234,50", "1234.5", "1'234.50"])
def test_parse_money_reads_english_and_european_marks(typed):
    assert parse_money(typed, "EUR") == 123450


@pytest.mark.parametrize(("typed", "currency", "message"), [
    ("1,234", "KWD", "could be read two ways"), ("12,34,5", "EUR", "not an amount"),
    ("1.5", "JPY", "0 decimal places"), ("-3", "EUR", "zero or more"), ("5,", "EUR", "not an amount"),
])
def test_parse_money_refuses_what_it_cannot_read_and_says_why(typed, currency, message):
    with pytest.raises(ValueError, match=message):
        parse_money(typed, currency)


def test_a_pledge_amount_round_trips_through_its_form_value():
    # Not (1001, "KWD"): "1.001" is refused as ambiguous, so such a pledge cannot be saved again from its
    # edit form unchanged; left for the pledge-amount item of issue 14 (store and edit the amount as is).
    for minor, currency in ((123450, "EUR"), (7, "JPY"), (1234567, "KWD"), (10**17, "EUR")):
        assert parse_money(f"{major_amount(minor, currency):f}", currency) == minor
