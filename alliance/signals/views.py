"""Turn aggregated figures and their suppression reasons into the two views of a snapshot.

The format is alliance.signals.contract's. Both views are built from the same
figures in one pass; the public view carries null figures, never 0, wherever a figure is suppressed.
"""

from alliance.disclosure.reasons import code_of
from alliance.disclosure.rules import Figures
from alliance.signals.aggregation import Aggregates
from alliance.signals.contract import FIGURE_TABLES, View


def entry(figures: Figures | None, reason: str | None, public: bool) -> dict:
    """The <figures> of one table entry as a reader of this view may see them."""
    hidden = public and reason is not None
    return {
        "quantity": None if hidden or figures is None else figures.quantity,
        "value_minor": None if hidden or figures is None else figures.value_minor,
        "buyers": None if hidden or figures is None else figures.buyers,
        "suppressed": reason is not None,
        "reason": reason,
        "reason_code": code_of(reason) or None,
    }


def share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


def build_view(agg: Aggregates, reasons: dict[tuple, str], codes: dict[int, str], public: bool) -> dict:
    """The tables of one view: totals, categories' marginals and cells (no round, impact or change)."""
    figures = agg.figures
    tables: dict[str, list] = {"cells": [], "by_category": [], "by_quarter": [], "by_country": [], "by_level": []}
    # by_set is the lead's alone (set_rows); by_category carries more than its figures (below).
    names = {kind: (table, labels) for table, (kind, labels) in FIGURE_TABLES.items()
             if table not in ("by_set", "by_category")}
    for key in sorted(figures, key=lambda k: (k[0], codes.get(k[1], "") if len(k) > 1 else "", k[2:])):
        kind = key[0]
        if kind in names:
            table, labels = names[kind]
            row = {"category": codes[key[1]], **dict(zip(labels, key[2:], strict=True))}
            tables[table].append(row | entry(figures[key], reasons.get(key), public))
        elif kind == "category":
            levels_hidden = any(reasons.get(("level", key[1], lvl)) for lvl in ("core", "comprehensive"))
            row = {"category": codes[key[1]]} | entry(figures[key], reasons.get(key), public)
            row["countries"] = None if public and key in reasons else agg.countries.get(key, 0)
            # The share times a published total would give a hidden level's value.
            row["comprehensive_value_share"] = (
                None if public and (levels_hidden or key in reasons)
                else share(agg.comprehensive_value.get(key, 0), figures[key].value_minor)
            )
            tables["by_category"].append(row)
    tables["by_category"].sort(key=lambda r: r["category"])
    total_key = ("total",)
    total = figures.get(total_key, Figures(0, 0, 0, 0, 0, 0, 0))
    any_level_hidden = any(k[0] == "level" for k in reasons)
    totals = entry(total, reasons.get(total_key), public)
    totals["countries"] = None if public and total_key in reasons else agg.countries.get(total_key, 0)
    totals["comprehensive_value_share"] = (
        None if public and (any_level_hidden or total_key in reasons)
        else share(agg.comprehensive_value.get(total_key, 0), total.value_minor)
    )
    return {"totals": totals, **tables}


def impact_rows(criteria, agg: Aggregates, reasons: dict[tuple, str], codes: dict[int, str],
                public: bool) -> list[dict]:
    """Impact estimates for criteria with a cited factor: factor × quantity pledged at their level."""
    rows = []
    for criterion in criteria:
        cat = criterion.criteria_set.category_id
        key = ("set", cat, criterion.criteria_set_id, criterion.level)
        figures = agg.figures.get(key)
        if figures is None:
            continue
        reason = reasons.get(key)
        hidden = public and reason is not None
        rows.append({
            "category": codes[cat], "criterion_code": criterion.code, "criterion_title": criterion.title,
            "criteria_set_id": criterion.criteria_set_id, "level": criterion.level,
            "factor": criterion.impact_factor, "unit": criterion.impact_unit, "source": criterion.impact_source,
            "quantity": None if hidden else figures.quantity,
            "estimate": None if hidden else round(criterion.impact_factor * figures.quantity, 3),
            "suppressed": reason is not None, "reason": reason, "reason_code": code_of(reason) or None,
        })
    return sorted(rows, key=lambda r: (r["category"], r["criterion_code"], r["criteria_set_id"]))


def change(current: View, previous: View | None, previous_id: int | None) -> dict:
    """Change of the view's totals and per-category figures since a previous snapshot's same view.

    A figure is null when it is null (hidden) in either. The public view compares with the last public
    release, so its change is what anyone holding both releases subtracts; release control vets that.
    """
    def diff(now: dict, before: dict | None, field: str):
        if before is None or now.get(field) is None or before.get(field) is None:
            return None
        return now[field] - before[field]

    before_totals = previous["totals"] if previous else None
    before_categories = {r["category"]: r for r in previous["by_category"]} if previous else {}
    return {
        "previous_snapshot_id": previous_id,
        "quantity": diff(current["totals"], before_totals, "quantity"),
        "value_minor": diff(current["totals"], before_totals, "value_minor"),
        "by_category": [
            {"category": row["category"],
             "quantity": diff(row, before_categories.get(row["category"]), "quantity"),
             "value_minor": diff(row, before_categories.get(row["category"]), "value_minor")}
            for row in current["by_category"]
        ],
    }


def set_rows(agg: Aggregates, reasons: dict[tuple, str], codes: dict[int, str]) -> list[dict]:
    """Lead view only: the figures per criteria set and level (the public sees their quantities through
    impact and readiness), so an audit of a stored snapshot has every figure the compile protected."""
    return [
        {"category": codes[key[1]], "criteria_set_id": key[2], "level": key[3]}
        | entry(figures, reasons.get(key), public=False)
        for key, figures in sorted(agg.figures.items(), key=lambda item: repr(item[0])) if key[0] == "set"
    ]
