"""The categories an alliance works with: finding a CPV code by code or name, and the unit the alliance
counts each category in (a UN/CEFACT Rec. 20 code chosen by its leads; the category's own unit is only
the suggestion). Functions flush, never commit."""

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.extensions import db
from alliance.models import AllianceCategory, Category, CriteriaSet, Pledge
from alliance.units import is_current_unit, unit_name

SEARCH_LIMIT = 50
_CODE_QUERY = re.compile(r"^\d[\d-]*$")


def search_categories(query: str, limit: int = SEARCH_LIMIT) -> list[Category]:
    """CPV categories matching a code prefix ("3021", "30213100-6") or every word of a name ("toner")."""
    query = " ".join((query or "").split())[:100]
    if not query:
        return []
    statement = sa.select(Category)
    if _CODE_QUERY.match(query):
        statement = statement.where(Category.cpv_code.startswith(query, autoescape=True))
    else:
        for word in query.split(" "):
            statement = statement.where(Category.name.icontains(word, autoescape=True))
    # Broader codes first: they end in more zeros (30000000-9 before 30213100-6).
    return list(db.session.scalars(statement.order_by(Category.cpv_code).limit(limit)))


def category_by_id(category_id) -> Category | None:
    """The category with this id, or None for anything that is not a plausible id (junk from a form)."""
    if not isinstance(category_id, int) or isinstance(category_id, bool) or not 0 < category_id < 2**31:
        return None
    return db.session.get(Category, category_id)


def category_names(codes) -> dict[str, str]:
    """CPV code → English name, for the codes given."""
    codes = list(codes)
    if not codes:
        return {}
    return dict(db.session.execute(sa.select(Category.cpv_code, Category.name).where(Category.cpv_code.in_(codes))).all())


def suggested_categories(alliance_id: int, sector: str) -> list[Category]:
    """Without a search: the categories the alliance has criteria for, and those curated for its sector."""
    used = sa.select(CriteriaSet.category_id).where(CriteriaSet.alliance_id == alliance_id)
    return list(db.session.scalars(
        sa.select(Category).where(sa.or_(Category.id.in_(used), Category.sector == sector))
        .order_by(Category.cpv_code)
    ))


def categories_to_offer(alliance_id: int, sector: str, query: str, chosen_id) -> list[Category]:
    """The categories a lead picks from for a new criteria set: the search's hits, or without a search the
    alliance's suggestions; the category already chosen stays listed (first) when a search for another
    code would drop it."""
    categories = search_categories(query) if query else suggested_categories(alliance_id, sector)
    chosen = category_by_id(chosen_id)
    if chosen is not None and chosen not in categories:
        categories.insert(0, chosen)
    return categories


def alliance_units(alliance_id: int) -> dict[int, str]:
    """category id → the unit code the alliance chose (categories it chose none for are absent)."""
    return dict(db.session.execute(
        sa.select(AllianceCategory.category_id, AllianceCategory.unit).where(AllianceCategory.alliance_id == alliance_id)
    ).all())


def unit_for(alliance_id: int, category: Category) -> str:
    """The unit code an alliance counts a category in: its own choice, else the category's suggestion."""
    chosen = db.session.scalar(sa.select(AllianceCategory.unit).where(
        AllianceCategory.alliance_id == alliance_id, AllianceCategory.category_id == category.id))
    return chosen or category.unit


def set_unit(alliance_id: int, category: Category, unit: str) -> AllianceCategory:
    """Choose the unit an alliance counts a category in.

    Refused (ValueError with a message) for a code that is not a current Rec. 20 unit, and for a change
    once the alliance has pledges in that category: their quantities were given in the old unit.
    """
    unit = (unit or "").strip().upper()
    if not is_current_unit(unit):
        raise ValueError(_("Choose a unit from the list (a current UN/CEFACT Recommendation 20 code)."))
    row = db.session.scalar(sa.select(AllianceCategory).where(
        AllianceCategory.alliance_id == alliance_id, AllianceCategory.category_id == category.id).with_for_update())
    current = row.unit if row else category.unit
    if unit != current and _has_pledges(alliance_id, category.id):
        raise ValueError(_("%(category)s already has pledges counted in %(unit)s: its unit can no longer change.",
                           category=category.name, unit=unit_name(current)))
    if row is None:
        row = AllianceCategory(alliance_id=alliance_id, category_id=category.id, unit=unit)
        db.session.add(row)
    else:
        row.unit = unit
    db.session.flush()
    return row


def _has_pledges(alliance_id: int, category_id: int) -> bool:
    return db.session.scalar(
        sa.select(Pledge.id).join(CriteriaSet, CriteriaSet.id == Pledge.criteria_set_id)
        .where(CriteriaSet.alliance_id == alliance_id, Pledge.category_id == category_id).limit(1)
    ) is not None
