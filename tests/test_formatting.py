"""Money in minor units, read and shown: alliance.formatting tested directly, not only through pages."""

from decimal import Decimal

import pytest

from alliance.formatting import amount_for_input, format_money, major_amount, parse_money


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


@pytest.mark.parametrize("decimal_mark", [".", ","])
@pytest.mark.parametrize(("minor", "currency"), [
    (123450, "EUR"), (5, "EUR"), (7, "JPY"), (1234567, "KWD"), (1001, "KWD"), (500, "BHD"), (0, "KWD"), (10**17, "EUR"),
])
def test_a_stored_amount_shown_in_a_form_reads_back_to_the_same_minor_units(minor, currency, decimal_mark):
    shown = amount_for_input(minor, currency, decimal_mark)
    assert decimal_mark in shown or currency == "JPY"
    assert parse_money(shown, currency, decimal_mark) == minor


def test_the_readers_decimal_mark_settles_a_lone_mark_before_three_digits_in_a_three_decimal_currency():
    assert amount_for_input(1001, "KWD", ".") == "1.001" and amount_for_input(1001, "KWD", ",") == "1,001"
    assert parse_money("1.001", "KWD", ".") == 1001 and parse_money("1,001", "KWD", ",") == 1001
    assert parse_money("1,001", "EUR", ".") == parse_money("1.001", "EUR", ",") == 100100  # EUR: thousands
    with pytest.raises(ValueError, match="could be read two ways: write 1001 or 1,001 "):
        parse_money("1.001", "KWD", ",")  # not the reader's decimal mark: still ambiguous, and says what to type
    with pytest.raises(ValueError, match="could be read two ways: write 1001 or 1.001 "):
        parse_money("1.001", "KWD")  # no reader known (a CSV file)
