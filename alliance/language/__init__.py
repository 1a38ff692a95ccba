"""Languages: English, French and Spanish (the working languages of the programme the alliances belong to).

The locale is the user's choice (stored on the user, or in the session before login), else the browser's
Accept-Language, else English. Numbers, money and dates on pages are formatted for the locale with Babel;
exports keep their plain, machine-readable formats.
"""

from datetime import UTC, date, datetime

from babel.numbers import format_currency, format_decimal, format_percent, get_decimal_symbol
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alliance.formatting import country_name, major_amount
from alliance.language.labels import label
from alliance.units import unit_label

LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
SESSION_KEY = "locale"


def select_locale() -> str:
    """The user's chosen language, else the best match for the browser's Accept-Language, else English."""
    if not has_request_context():
        return "en"  # a job or a command: no reader to ask, so the messages stay English
    chosen = getattr(current_user, "locale", "") if current_user and current_user.is_authenticated else ""
    chosen = chosen or session.get(SESSION_KEY, "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default="en")


def money(minor: int | None, currency: str) -> str:
    """An amount in minor units with the locale's marks and the ISO code, as procurement documents write it:
    123450 EUR → "1,234.50 EUR" (en), "1 234,50 EUR" (fr), "1.234,50 EUR" (es)."""
    if minor is None:
        return ""
    return format_currency(major_amount(minor, currency), currency, format="#,##0.00 ¤¤", locale=str(get_locale()), currency_digits=True)


def number(value: int | float | None) -> str:
    """A count or quantity with the locale's grouping: 15020 → "15,020" (en), "15 020" (fr), "15.020" (es)."""
    if value is None:
        return ""
    return format_decimal(value, locale=str(get_locale()))


def quantity(value: int | None, code: str) -> str:
    """A quantity with its unit, as the reader reads it: 15020, "C62" → "15,020 units" (en), "15 020 unités" (fr)."""
    if value is None:
        return ""
    return f"{number(value)} {unit_label(code)}"


def decimal_mark() -> str:
    """The reader's decimal mark: "." (en), "," (fr, es). A form shows amounts with it and reads them back so."""
    return get_decimal_symbol(str(get_locale()))


def day(value: date | datetime | None) -> str:
    """A date in the locale's medium form: "26 nov. 2026" (fr)."""
    if value is None:
        return ""
    return format_date(value.date() if isinstance(value, datetime) else value, format="medium")


def moment(value: datetime | str | None) -> str:
    """A point in time as pages write it, the day in the locale's form and the time in UTC:
    "26 nov. 2026, 14:05 UTC" (fr). Takes a datetime or the ISO 8601 text a JSON report holds."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return _("%(date)s, %(time)s UTC", date=day(value), time=f"{value:%H:%M}")


def country_label(code: str | None) -> str:
    """A country by its ISO code, named in the reader's language ("DE" → "Allemagne" in French); exports keep
    the English names of alliance.formatting.country_name."""
    code = (code or "").upper()
    return get_locale().territories.get(code) or country_name(code)


def percent(fraction: float | None, digits: int = 1) -> str:
    """0.603 → "60.3 %" (en), "60,3 %" (fr)."""
    if fraction is None:
        return ""
    return format_percent(fraction, format="#,##0." + "0" * digits + " %" if digits else "#,##0 %",
                          locale=get_locale())


def status_label(value: str | None) -> str:
    """A stored status in the reader's language; an unknown one as it is."""
    return label(value, "status")


def init_language(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.add_template_filter(money, "money")
    app.add_template_filter(number, "number")
    app.add_template_filter(day, "day")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(country_label, "country_name")  # pages name countries in the reader's language
    app.add_template_filter(unit_label, "unit_name")  # and units
    app.add_template_filter(quantity, "quantity")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(status_label, "status_label")
    app.add_template_filter(label, "label")  # {{ criterion.level|label('level') }}
    app.context_processor(lambda: {"languages": LANGUAGES, "current_locale": str(get_locale())})
