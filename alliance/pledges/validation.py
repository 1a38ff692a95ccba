"""Pledge validation against a round's lookups, loaded once so a 10,000-line import checks in memory.

`RoundContext.load(round_id)` reads the round, its categories and the alliance's criteria sets;
`validate(raw, context)` turns raw values (from a form, the API or a CSV row) into clean column values,
or returns per-field messages a user can act on.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import pycountry
import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.criteria.categories import alliance_units
from alliance.errors import InvalidError
from alliance.extensions import db
from alliance.formatting import is_currency, parse_money
from alliance.models import LEVELS, CriteriaSet, DemandRound
from alliance.rounds.operations import QUARTER_PATTERN, quarters_in_horizon, round_accepts_pledges
from alliance.units import unit_name

MAX_QUANTITY = 10**12
REGION_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,14}$")
NUTS_PREFIX = {"GR": "EL", "GB": "UK"}  # NUTS uses these two codes instead of ISO 3166
COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries)
FIELDS = ("category", "criteria_version", "level", "quantity", "estimated_value", "currency",
          "delivery_quarter", "country", "region")


class PledgeInvalidError(InvalidError):
    """The pledge was refused; `fields` maps a field name to its message."""

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message or " ".join(fields.values()), fields=fields)


class RoundClosedError(PledgeInvalidError):
    """The round takes no pledges now (not open yet, or closed): no field of the pledge to correct."""

    code = "round_closed"

    def __init__(self, reason: str):
        super().__init__({}, reason)


class PledgeStatusError(PledgeInvalidError):
    """The pledge's status does not allow this change (submitting a submitted pledge, editing a withdrawn one)."""

    code = "invalid_status"

    def __init__(self, reason: str):
        super().__init__({}, reason)


@dataclass
class CategoryInfo:
    id: int
    cpv_code: str
    name: str
    unit: str
    # version → (criteria set id, status), published and retired only: drafts are not pledgeable.
    versions: dict[int, tuple[int, str]] = field(default_factory=dict)

    @property
    def latest_published(self) -> int | None:
        published = [v for v, (_, status) in self.versions.items() if status == "published"]
        return max(published) if published else None


@dataclass
class RoundContext:
    """What validating a pledge in one round needs, read from the database once."""

    round_id: int
    alliance_id: int
    title: str
    currency: str
    quarters: list[str]
    closed_reason: str | None
    categories: dict[str, CategoryInfo]  # by CPV code

    @classmethod
    def load(cls, round_id: int, today: date | None = None) -> "RoundContext":
        demand_round = db.session.get(DemandRound, round_id)
        if demand_round is None:
            raise LookupError(round_id)
        return cls.for_round(demand_round, today)

    @classmethod
    def for_round(cls, demand_round: DemandRound, today: date | None = None) -> "RoundContext":
        """The context of a round already loaded (its categories are read here if they are not yet)."""
        units = alliance_units(demand_round.alliance_id)
        categories = {c.cpv_code: CategoryInfo(c.id, c.cpv_code, c.name, units.get(c.id, c.unit))
                      for c in demand_round.categories}
        by_id = {info.id: info for info in categories.values()}
        rows = db.session.execute(
            sa.select(CriteriaSet.id, CriteriaSet.category_id, CriteriaSet.version, CriteriaSet.status).where(
                CriteriaSet.alliance_id == demand_round.alliance_id,
                CriteriaSet.category_id.in_(list(by_id) or [0]),
                CriteriaSet.status.in_(["published", "retired"]),
            )
        )
        for set_id, category_id, version, status in rows:
            by_id[category_id].versions[version] = (set_id, status)
        return cls(
            round_id=demand_round.id, alliance_id=demand_round.alliance_id, title=demand_round.title,
            currency=demand_round.currency, quarters=quarters_in_horizon(demand_round),
            closed_reason=round_accepts_pledges(demand_round, today)[1] or None, categories=categories,
        )

    def category_by_id(self, category_id: int) -> CategoryInfo | None:
        return next((c for c in self.categories.values() if c.id == category_id), None)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_quantity(value, unit: str = "") -> int:
    """A positive whole number up to 10^12; raises ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError(_("Give the quantity as a whole number."))
    text = _text(value).replace(" ", "").replace("\u00a0", "")
    if text == "":
        raise ValueError(_("Give a quantity."))
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    # [0-9], not \d: int() also reads Arabic-Indic and other digits ("١٢٣"), which no sheet means as a quantity.
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", text):
        text = text.replace(",", "")
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        if re.fullmatch(r"[+-]?[0-9]*[.,][0-9]+", text):
            raise ValueError(_("The quantity must be a whole number (%(unit)s), not %(text)s.", unit=unit_name(unit),
                                 text=text))
        raise ValueError(_("'%(text)s' is not a number; give a whole number of units.", text=text[:40]))
    quantity = int(text)
    if quantity <= 0:
        raise ValueError(_("The quantity must be at least 1.") if quantity == 0 else _("The quantity cannot be negative."))
    if quantity > MAX_QUANTITY:
        raise ValueError(_("The quantity is too large: at most 1,000,000,000,000."))
    return quantity


def validate(raw: dict, context: RoundContext, keep_criteria_set_id: int | None = None,
             decimal_mark: str | None = None) -> dict:
    """Clean column values for a pledge in context's round; raises PledgeInvalidError with every field's problem.

    raw holds the FIELDS (strings or numbers); a blank criteria_version means the latest published one. Instead
    of estimated_value, raw may hold the value_minor a pledge has stored, which is kept as it is.
    keep_criteria_set_id: the set an edited pledge already points to, which it may keep once retired.
    decimal_mark: the mark the reader writes decimals with ("." or ","), which settles an amount such as
    "1.001" in a three-decimal currency; None refuses such an amount as ambiguous.
    """
    if context.closed_reason:
        raise RoundClosedError(context.closed_reason)
    errors: dict[str, str] = {}
    clean: dict = {"round_id": context.round_id}
    # In the form's order, so the messages come in the order a reader meets the fields.
    category = _category(raw, context, clean, errors, keep_criteria_set_id)
    _level(raw, clean, errors)
    _quantity(raw, category, clean, errors)
    _currency(raw, context, clean, errors)
    _value(raw, context.currency, clean, errors, decimal_mark)
    _delivery_quarter(raw, context, clean, errors)
    _country_and_region(raw, clean, errors)
    if errors:
        raise PledgeInvalidError(errors)
    return clean


def _category(raw: dict, context: RoundContext, clean: dict, errors: dict,
              keep_set_id: int | None) -> CategoryInfo | None:
    cpv = _text(raw.get("category"))
    category = context.categories.get(cpv)
    if not cpv:
        errors["category"] = _("Choose a category.")
    elif category is None:
        errors["category"] = _("%(cpv)s is not one of this round's categories.", cpv=cpv[:20])
    else:
        clean["category_id"] = category.id
        _criteria(raw.get("criteria_version"), category, clean, errors, keep_set_id)
    return category


def _level(raw: dict, clean: dict, errors: dict) -> None:
    level = _text(raw.get("level")).lower()
    if level not in LEVELS:
        errors["level"] = _("Choose the level: core or comprehensive.")
    clean["level"] = level


def _quantity(raw: dict, category: CategoryInfo | None, clean: dict, errors: dict) -> None:
    try:
        clean["quantity"] = parse_quantity(raw.get("quantity"), category.unit if category else "")
    except ValueError as error:
        errors["quantity"] = str(error)


def _currency(raw: dict, context: RoundContext, clean: dict, errors: dict) -> None:
    currency = _text(raw.get("currency")).upper() or context.currency
    if not re.fullmatch(r"[A-Z]{3}", currency) or not is_currency(currency):
        errors["currency"] = _("'%(currency)s' is not an ISO 4217 currency code (e.g. %(example)s).",
                               currency=currency[:10], example=context.currency)
    elif currency != context.currency:
        errors["currency"] = _("This round collects estimated values in %(expected)s, not %(currency)s.",
                               expected=context.currency, currency=currency)
    clean["currency"] = currency


def _delivery_quarter(raw: dict, context: RoundContext, clean: dict, errors: dict) -> None:
    quarter = _text(raw.get("delivery_quarter")).upper()
    if not QUARTER_PATTERN.match(quarter):
        errors["delivery_quarter"] = _("Give the delivery quarter as YYYY-Qn, e.g. 2027-Q2.")
    elif quarter not in context.quarters:
        span = (_("%(first)s to %(last)s", first=context.quarters[0], last=context.quarters[-1])
                if context.quarters else _("not set"))
        errors["delivery_quarter"] = _("%(quarter)s is outside the round's delivery horizon (%(span)s).",
                                       quarter=quarter, span=span)
    clean["delivery_quarter"] = quarter


def _country_and_region(raw: dict, clean: dict, errors: dict) -> None:
    country = _text(raw.get("country")).upper()
    if country not in COUNTRIES:
        errors["country"] = _("Give the delivery country as an ISO 3166 two-letter code, e.g. SE.")
    clean["country"] = country

    region = _text(raw.get("region")).upper()
    if region and (len(region) > 16 or not REGION_PATTERN.match(region)):
        errors["region"] = _("A region is a NUTS-like code of up to 16 letters and digits, e.g. SE110.")
    elif region and country in COUNTRIES and not region.startswith(NUTS_PREFIX.get(country, country)):
        errors["region"] = _("The region %(region)s is not in %(country)s: NUTS codes start with the country code.",
                              region=region, country=country)
    clean["region"] = region


def _criteria(raw_version, category: CategoryInfo, clean: dict, errors: dict, keep_set_id: int | None) -> None:
    text = _text(raw_version).lower().removeprefix("v")
    latest = category.latest_published
    if text == "":
        if latest is None:
            errors["criteria_version"] = _("%(category)s has no published criteria set in this alliance yet.",
                                           category=category.name)
            return
        version = latest
    elif not re.fullmatch(r"[0-9]{1,9}", text):
        errors["criteria_version"] = _("The criteria version is a whole number, e.g. 2.")
        return
    else:
        version = int(text)
    found = category.versions.get(version)
    if found is None:
        errors["criteria_version"] = (
            _("%(category)s has no published criteria version %(version)s; pledge to version %(latest)s.",
              category=category.name, version=version, latest=latest) if latest else
            _("%(category)s has no published criteria version %(version)s.", category=category.name, version=version))
    elif found[1] == "retired" and found[0] != keep_set_id:
        errors["criteria_version"] = (_("This criteria version is retired; pledge to version %(latest)s.", latest=latest)
                                      if latest else _("This criteria version is retired."))
    else:
        clean["criteria_set_id"] = found[0]


def _value(raw: dict, currency: str, clean: dict, errors: dict, decimal_mark: str | None) -> None:
    if raw.get("estimated_value") is None and isinstance(raw.get("value_minor"), int):
        clean["value_minor"] = raw["value_minor"]  # the stored amount, kept exactly: not formatted and read back
        return
    text = _text(raw.get("estimated_value"))
    if text == "":
        errors["estimated_value"] = _("Give the estimated value in %(currency)s.", currency=currency)
        return
    try:
        clean["value_minor"] = parse_money(text, currency, decimal_mark)
    except ValueError as error:
        errors["estimated_value"] = str(error)
