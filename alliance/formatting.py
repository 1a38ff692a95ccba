"""Countries (ISO 3166), currencies (ISO 4217) and money in minor units: parsing and display."""

import re
from decimal import Decimal, InvalidOperation

import pycountry

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


def parse_money(text: str | int | float | Decimal, currency: str) -> int:
    """'1 234.50' EUR → 123450. Raises ValueError with a message a user can act on."""
    raw = str(text).strip().replace(" ", "").replace("\u00a0", "").replace(",", "")
    # Plain digits 0-9 only: Decimal() also reads "١٢٣", "1e9", "Infinity" and "NaN".
    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)", raw):
        raise ValueError(f"'{str(text)[:40]}' is not an amount of money; write it with the digits 0-9, e.g. 1234.50.")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount of money.") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("An amount must be zero or more.")
    minor = amount.scaleb(minor_unit_digits(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{currency} has {minor_unit_digits(currency)} decimal places at most.")
    if minor > 10**17:
        raise ValueError("That amount is too large.")
    return int(minor)


def format_money(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    digits = minor_unit_digits(currency)
    return f"{Decimal(minor).scaleb(-digits):,.{digits}f} {currency}"


def is_country(code: str) -> bool:
    return bool(code) and len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=(code or "").upper()) if code else None
    return getattr(country, "common_name", None) or (country.name if country else code or "")


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda x: x[1])
