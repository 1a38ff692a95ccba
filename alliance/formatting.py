"""Countries (ISO 3166), currencies (ISO 4217) and money in minor units: parsing and display."""

import re
from decimal import Decimal

import pycountry
from flask_babel import gettext as _
from flask_babel import ngettext

# ISO 4217 minor units that are not 2 (the rest use 2 decimals).
_MINOR_UNIT_EXCEPTIONS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
                     "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
# Funds, precious metals and testing codes are not currencies a buyer budgets in.
_NOT_BUDGET_CURRENCIES = {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}


def is_currency(code: str) -> bool:
    code = (code or "").upper()
    return code not in _NOT_BUDGET_CURRENCIES and pycountry.currencies.get(alpha_3=code) is not None


def minor_unit_digits(currency: str) -> int:
    return _MINOR_UNIT_EXCEPTIONS.get(currency.upper(), 2)


def major_amount(minor: int, currency: str) -> Decimal:
    """Minor units as the decimal amount, to the currency's own decimals: 123450 EUR → Decimal("1234.50")."""
    return Decimal(minor).scaleb(-minor_unit_digits(currency))


# Grouping marks people type inside numbers: spaces (also no-break and narrow no-break) and Swiss apostrophes.
_GROUPING_SPACES = re.compile(r"[ \u00a0\u202f']")
_DIGITS = re.compile(r"[0-9]+")


def parse_money(text: str | int | float | Decimal, currency: str, decimal_mark: str | None = None) -> int:
    """An amount typed the English or the European way, in minor units: '1,234.50', '1.234,50' and '1 234,50'
    EUR are all 123450. Raises ValueError with a message that says exactly what to type.

    decimal_mark: the mark the reader writes decimals with, when known (a form in the reader's language, the
    API's JSON). It settles the one ambiguous case, a lone mark before three digits in a three-decimal
    currency: "1.001" KWD is 1001 fils when "." is the decimal mark, and refused as ambiguous without one."""
    raw = _GROUPING_SPACES.sub("", str(text).strip())
    if raw.startswith("-"):
        raise ValueError(_("An amount must be zero or more."))
    digits = minor_unit_digits(currency)
    amount = Decimal(_plain_decimal(raw, text, digits, decimal_mark))
    minor = amount.scaleb(digits)
    if minor != minor.to_integral_value():
        raise ValueError(ngettext("%(currency)s has %(num)d decimal place at most.",
                                   "%(currency)s has %(num)d decimal places at most.", digits, currency=currency))
    if minor > 10**17:
        raise ValueError(_("That amount is too large."))
    return int(minor)


def _plain_decimal(raw: str, text, decimals: int, decimal_mark: str | None) -> str:
    """'1.234,50' → '1234.50'. The last of two different marks is the decimal mark; a lone mark followed by
    exactly three digits groups thousands (no currency we take has three decimals but the ones it names)."""
    example = "1234.50" if decimals else "1234"
    invalid = ValueError(_("'%(text)s' is not an amount of money; write it with the digits 0-9, e.g. %(example)s.",
                           text=str(text)[:40], example=example))
    if not raw or not all(part == "" or _DIGITS.fullmatch(part) for part in re.split(r"[.,]", raw)):
        raise invalid
    marks = [c for c in raw if c in ".,"]
    if not marks:
        return raw
    whole, fraction, found_mark = _split_at_decimal_mark(raw, text, marks, decimals, decimal_mark)
    groups = re.split(r"[.,]", whole)
    if not _grouped_in_thousands(groups) or (found_mark and not fraction):
        raise invalid
    return "".join(groups) + (f".{fraction}" if fraction else "")


def _split_at_decimal_mark(raw: str, text, marks: list[str], decimals: int,
                           reader_mark: str | None) -> tuple[str, str, str | None]:
    """(whole part, fraction, decimal mark or None). The last of two different marks is the decimal mark, as is
    a mark that appears once; a lone mark followed by exactly three digits groups thousands, unless the currency
    has three decimals: then it is the decimal mark if it is the reader's, and ambiguous otherwise."""
    decimal_mark = marks[-1] if len(set(marks)) == 2 or marks.count(marks[-1]) == 1 else None
    whole, fraction = raw.rsplit(decimal_mark, 1) if decimal_mark else (raw, "")
    if not (decimal_mark and len(marks) == 1 and len(fraction) == 3 and len(whole) <= 3):
        return whole, fraction, decimal_mark
    if decimals != 3:
        return raw, "", None  # "1,234" or "1.234": a thousands mark
    if marks[0] == reader_mark:
        return whole, fraction, reader_mark
    raise ValueError(_("'%(text)s' could be read two ways: write %(whole)s or %(decimal)s with no thousands mark.",
                       text=str(text)[:40], whole=raw.replace(",", "").replace(".", ""),
                       decimal=raw.replace(marks[0], reader_mark or ".")))


def _grouped_in_thousands(groups: list[str]) -> bool:
    return len(groups) == 1 or (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]))


def amount_for_input(minor: int | None, currency: str, decimal_mark: str = ".") -> str:
    """An amount as a form field shows it for editing: the currency's decimals, the reader's decimal mark and
    no grouping, e.g. 123450 EUR → "1234.50" or "1234,50". parse_money(text, currency, decimal_mark) reads it
    back to the same minor units, also 1001 KWD ("1.001"), so an unchanged form saves unchanged."""
    if minor is None:
        return ""
    return f"{major_amount(minor, currency):f}".replace(".", decimal_mark)


def format_money(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    return f"{major_amount(minor, currency):,.{minor_unit_digits(currency)}f} {currency}"


def is_country(code: str) -> bool:
    return bool(code) and len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=(code or "").upper()) if code else None
    return getattr(country, "common_name", None) or (country.name if country else code or "")


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda x: x[1])
