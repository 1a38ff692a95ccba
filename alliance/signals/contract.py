"""The snapshot's JSON contract: Snapshot.lead_data and Snapshot.public_data, which the signals API serves as
`data` and every page, summary and export reads. One schema, typed here; readers go through from_json and
figure_rows instead of reading string keys of their own.

Figures are integers: quantities in the category's unit, values in minor units of the round's currency. In
public_data a suppressed entry has "quantity", "value_minor" and "buyers" null (never 0), "suppressed": true
and its reason; in lead_data the figures stay and "suppressed"/"reason" say what the public sees.

    {
      "round": {"id": 7, "title": "...", "currency": "EUR", "delivery_from": "2027-Q1", "delivery_to": "2028-Q4"},
      "k": 3, "p": 80, "protection_percent": 20, "release": {"number": 2 | null, "date": "YYYY-MM-DD" | null},
      (lead_data only:) "compiled_at": "ISO 8601", "watermark": "...",
                        "release_check": {"released": bool, "held_reason": "..." | null, "against": [1, 2],
                                          "held": {"rule": "k" | "p:80" | "pp:20", "buyers": 1, "changes": 3,
                                                   "since": 2, "figure": ["cell", "30213100-6", "2027-Q3", "SE"],
                                                   "hidden_part": false, "affected": 4} | null},
                        "by_set": [{"category", "criteria_set_id", "level", <figures>}],
      "totals":      {<figures>, "countries": n | null, "comprehensive_value_share": 0.0-1.0 | null},
      "categories":  [{"cpv_code": "30213100-6", "name": "Portable computers", "unit": "C62"}],
      "cells":       [{"category": "30213100-6", "quarter": "2027-Q1", "country": "SE", <figures>}],
      "by_category": [{"category", <figures>, "countries", "comprehensive_value_share"}],
      "by_quarter":  [{"category", "quarter", <figures>}],
      "by_country":  [{"category", "country", <figures>}],
      "by_level":    [{"category", "level": "core" | "comprehensive", <figures>}],
      "impact":      [{"category", "criterion_code", "criterion_title", "criteria_set_id", "level", "factor",
                       "unit", "source", "quantity": n | null, "estimate": x | null, <reason>}],
      "readiness":   [{"criterion_id", "criterion_code", "criterion_title", "category", "level", "meets",
                       "meets_sme", "by_date", "earliest_quarter": "YYYY-Qn" | null, "cannot",
                       "required_quantity": n | null, "suppressed_fields": [...], <reason>}],
      "change":      {"previous_snapshot_id": n | null, "quantity": n | null, "value_minor": n | null,
                      "by_category": [{"category", "quantity", "value_minor"}],
                      (public_data only:) "previous_release": n | null}
    }

where <figures> = "quantity", "value_minor", "buyers" and <reason>; <reason> = "suppressed": bool,
"reason": the English sentence ("fewer than 3 buyers") or null, "reason_code": the rule's code ("k:3",
alliance.disclosure.reasons) or null, which pages word in the reader's language. Snapshots compiled before
"reason_code" existed lack it; from_json adds it from the sentence.

In public_data the change is since the last public release (previous_snapshot_id is null), and a figure is
null when hidden in either release; a comprehensive_value_share is null when a level figure it would reveal
is suppressed. The public view never carries the watermark, the compile instant or the number of pledges.
The API's `snapshot_id` beside `data` is the snapshot's id for leads and the release number for everyone else.
"""

from collections.abc import Iterator
from typing import NotRequired, TypedDict

from alliance.disclosure.reasons import code_of


class Reason(TypedDict):
    suppressed: bool
    reason: str | None
    reason_code: NotRequired[str | None]


class Entry(Reason):
    """<figures> of one table entry."""

    quantity: int | None
    value_minor: int | None
    buyers: int | None


class Totals(Entry):
    countries: int | None
    comprehensive_value_share: float | None


class CategoryRow(Totals):
    category: str


class CellRow(Entry):
    category: str
    quarter: str
    country: str


class QuarterRow(Entry):
    category: str
    quarter: str


class CountryRow(Entry):
    category: str
    country: str


class LevelRow(Entry):
    category: str
    level: str


class SetRow(Entry):
    category: str
    criteria_set_id: int
    level: str


class ImpactRow(Reason):
    category: str
    criterion_code: str
    criterion_title: str
    criteria_set_id: int
    level: str
    factor: float
    unit: str
    source: str
    quantity: int | None
    estimate: float | None


class ReadinessRow(Reason):
    criterion_id: int
    criterion_code: str
    criterion_title: str
    category: str
    level: str
    meets: int | None
    meets_sme: int | None
    by_date: int | None
    earliest_quarter: str | None
    cannot: int | None
    required_quantity: int | None
    suppressed_fields: list[str]


class CategoryChange(TypedDict):
    category: str
    quantity: int | None
    value_minor: int | None


class Change(TypedDict):
    previous_snapshot_id: int | None
    quantity: int | None
    value_minor: int | None
    by_category: list[CategoryChange]
    previous_release: NotRequired[int | None]


class Category(TypedDict):
    cpv_code: str
    name: str
    unit: str


class View(TypedDict, total=False):
    """One view of a snapshot (lead_data or public_data)."""

    round: dict
    k: int
    p: int
    protection_percent: int
    release: dict
    categories: list[Category]
    totals: Totals
    cells: list[CellRow]
    by_category: list[CategoryRow]
    by_quarter: list[QuarterRow]
    by_country: list[CountryRow]
    by_level: list[LevelRow]
    by_set: list[SetRow]  # lead_data only
    impact: list[ImpactRow]
    readiness: list[ReadinessRow]
    change: Change
    compiled_at: str  # lead_data only
    watermark: str  # lead_data only
    release_check: dict  # lead_data only


# The tables of figures: list → (key kind, the row fields after "category" that complete the figure's key, as
# alliance.disclosure.rules keys it: ("cell", cpv, quarter, country), ..., ("category", cpv); the totals are
# ("total",)).
FIGURE_TABLES = {"cells": ("cell", ("quarter", "country")), "by_quarter": ("quarter", ("quarter",)),
                 "by_country": ("country", ("country",)), "by_level": ("level", ("level",)),
                 "by_set": ("set", ("criteria_set_id", "level")), "by_category": ("category", ())}
_REASONED = ("totals", *FIGURE_TABLES, "impact", "readiness")


def from_json(data: dict | None) -> View:
    """A stored view as the contract types it. Views compiled before "reason_code" get it from their reason
    sentence (a copy: the stored JSON is never changed in place)."""
    view: View = data or {}  # type: ignore[assignment]
    if not _lacks_codes(view):
        return view
    copied = dict(view)
    for table in _REASONED:
        rows = copied.get(table)
        if isinstance(rows, dict):
            copied[table] = _with_code(rows)
        elif rows:
            copied[table] = [_with_code(row) for row in rows]
    return copied  # type: ignore[return-value]


def to_json(view: View) -> dict:
    """The JSON a view is stored and served as: the view itself, keys and all (the API's contract)."""
    return dict(view)


def figure_rows(view: View) -> Iterator[tuple[tuple, Entry]]:
    """(key, entry) of every figure the view lists: the totals, then each table's rows, keyed by their CPV code."""
    yield ("total",), view.get("totals") or {}  # type: ignore[misc]
    for table, (kind, fields) in FIGURE_TABLES.items():
        for row in view.get(table) or []:
            yield (kind, row["category"], *(row[field] for field in fields)), row


def _lacks_codes(view: View) -> bool:
    return any("reason_code" not in row for table in _REASONED
               for row in ([view[table]] if isinstance(view.get(table), dict) else view.get(table) or []))


def _with_code(row: dict) -> dict:
    if "reason_code" in row:
        return row
    return row | {"reason_code": code_of(row.get("reason")) or None}
