"""A summary's figures as tables, built from the snapshot's public_data only (never lead_data).

The page, the XLSX sheets and the CSV all read these, so every reader sees the same disclosure-controlled
figures. A suppressed figure is a `Suppressed` cell carrying its reason, never a 0.
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from alliance.disclosure.reasons import code_of, english
from alliance.disclosure.wording import reason_of
from alliance.formatting import country_name, major_amount
from alliance.models import LEVELS, DemandSummary
from alliance.signals.charts import demand_charts
from alliance.signals.contract import View, from_json
from alliance.units import unit_name


@dataclass(frozen=True)
class Suppressed:
    """A hidden figure: `code` is its rule (alliance.disclosure.reasons), which pages render in the reader's
    language; `reason` the English sentence the exports write."""

    code: str

    @property
    def reason(self) -> str:
        return english(self.code)

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Coded:
    """A cell that holds a code (a country, a criteria level): pages name it in the reader's language
    (alliance.language), exports write its English name (str)."""

    kind: str  # "country", "unit" or "level"
    code: str

    def __str__(self) -> str:
        if self.kind == "country":
            return country_name(self.code)
        if self.kind == "unit":
            return unit_name(self.code)
        return LEVELS.get(self.code, self.code)


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    @property
    def major(self) -> Decimal:
        return major_amount(self.minor, self.currency)


@dataclass(frozen=True)
class Share:
    fraction: float


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    numeric: list[bool]  # which columns hold figures (right-aligned, numbers in XLSX)
    rows: list[list]


@dataclass(frozen=True)
class SummaryData:
    """What every reader of a summary starts from: the snapshot's public figures, narrowed to the summary's
    chosen categories and views."""
    data: View  # the snapshot's public_data, never lead_data
    k: int
    currency: str
    categories: dict[str, dict]  # chosen categories by CPV code
    show: list[str]  # the chosen views besides the total

    def rows_of(self, key: str) -> list[dict]:
        """The rows of one public_data list that belong to a chosen category."""
        return [row for row in self.data.get(key) or [] if row.get("category") in self.categories]


def summary_data(summary: DemandSummary) -> SummaryData:
    data = from_json(summary.snapshot.public_data)
    chosen = summary.views.get("categories") or []
    return SummaryData(
        data=data,
        k=data.get("k") or summary.snapshot.k,
        currency=(data.get("round") or {}).get("currency") or summary.demand_round.currency,
        categories={c["cpv_code"]: c for c in data.get("categories") or [] if c.get("cpv_code") in chosen},
        show=summary.views.get("show") or [],
    )


def hidden(entry: dict, k: int) -> Suppressed:
    """A suppressed entry's reason (an entry that gives none was hidden by the threshold rule)."""
    return Suppressed(code_of(reason_of(entry)) or f"k:{k}")


def figure(entry: dict, name: str, k: int, currency: str | None = None):
    """One figure of a public_data entry: its value, or Suppressed when the entry is suppressed or the
    figure is withheld (null)."""
    value = entry.get(name)
    if entry.get("suppressed"):
        return hidden(entry, k)
    if value is None:
        return Suppressed("w")
    if currency is not None:
        return Money(int(value), currency)
    return value


def _demand_columns(first: list[str]) -> tuple[list[str], list[bool]]:
    columns = first + ["Quantity", "Estimated value", "Buyers"]
    return columns, [False] * len(first) + [True, True, True]


def _figures(entry: dict, k: int, currency: str) -> list:
    return [figure(entry, "quantity", k), figure(entry, "value_minor", k, currency), figure(entry, "buyers", k)]


def summary_tables(summary: DemandSummary) -> list[Table]:
    """The tables a summary shows: the total per category, then each chosen view, in VIEWS order."""
    figures = summary_data(summary)
    k, currency, show, names, rows_of = figures.k, figures.currency, figures.show, figures.categories, figures.rows_of

    def category_cells(row: dict) -> list:
        return [row["category"], names[row["category"]].get("name", "")]

    tables = []
    columns, numeric = _demand_columns(["CPV code", "Category", "Unit"])
    tables.append(Table("total", "Demand per category", columns + ["Comprehensive level, share of value"],
                        numeric + [True], [
        category_cells(row) + [Coded("unit", names[row["category"]].get("unit", ""))] + _figures(row, k, currency)
        + [_share(row, k)] for row in rows_of("by_category")
    ]))
    if "quarter" in show:
        columns, numeric = _demand_columns(["CPV code", "Category", "Delivery quarter"])
        tables.append(Table("quarter", "Demand per delivery quarter", columns, numeric, [
            category_cells(row) + [row.get("quarter", "")] + _figures(row, k, currency)
            for row in sorted(rows_of("by_quarter"), key=lambda r: (r["category"], r.get("quarter", "")))
        ]))
    if "country" in show:
        columns, numeric = _demand_columns(["CPV code", "Category", "Country"])
        tables.append(Table("country", "Demand per country", columns, numeric, [
            category_cells(row) + [Coded("country", row.get("country", ""))] + _figures(row, k, currency)
            for row in sorted(rows_of("by_country"), key=lambda r: (r["category"], country_name(r.get("country", ""))))
        ]))
    if "level" in show:
        columns, numeric = _demand_columns(["CPV code", "Category", "Ambition level"])
        tables.append(Table("level", "Demand per ambition level", columns, numeric, [
            category_cells(row) + [Coded("level", row.get("level", ""))] + _figures(row, k, currency)
            for row in rows_of("by_level")
        ]))
    if "readiness" in show:
        tables.append(_readiness(rows_of("readiness"), k))
    if "impact" in show:
        tables.append(_impact(rows_of("impact"), k))
    return tables


def _readiness(rows: list[dict], k: int) -> Table:
    columns = ["CPV code", "Criterion", "Suppliers meeting it now", "of which SMEs", "Suppliers able by a date",
               "Earliest quarter (k suppliers ready)", "Suppliers unable"]
    body = []
    for row in rows:
        cells = [figure(row, name, k) for name in ("meets", "meets_sme", "by_date")]
        earliest = row.get("earliest_quarter")
        cells.append(hidden(row, k) if row.get("suppressed") else earliest or "")
        cells.append(figure(row, "cannot", k))
        body.append([row["category"], row.get("criterion_code", "")] + cells)
    return Table("readiness", "Supplier readiness per criterion", columns,
                 [False, False, True, True, True, False, True], body)


def _impact(rows: list[dict], k: int) -> Table:
    columns = ["CPV code", "Criterion", "Impact factor", "Unit", "Estimated impact", "Source"]
    body = [
        [row["category"], f"{row.get('criterion_code', '')} {row.get('criterion_title', '')}".strip(),
         row.get("factor"), row.get("unit", ""), figure(row, "estimate", k), row.get("source", "")]
        for row in rows
    ]
    return Table("impact", "Estimated impact (cited factors)", columns, [False, False, True, False, True, False], body)


def _share(row: dict, k: int):
    value = row.get("comprehensive_value_share")
    if row.get("suppressed"):
        return hidden(row, k)
    if value is None:  # the level split it would reveal is suppressed
        return Suppressed("w")
    return Share(float(value))


def headline(summary: DemandSummary) -> dict:
    """The overall figures (value, buyers, countries), each possibly Suppressed; empty when the summary
    leaves a category out (the snapshot's totals would include it)."""
    figures = summary_data(summary)
    data, k, currency = figures.data, figures.k, figures.currency
    if {c.get("cpv_code") for c in data.get("categories") or []} != set(summary.views.get("categories") or []):
        return {}
    totals = data.get("totals") or {}
    return {
        "value": figure(totals, "value_minor", k, currency),
        "buyers": figure(totals, "buyers", k),
        "countries": figure(totals, "countries", k),
    }


# Captions of the summary page's charts (pages only: lazy, so each reader gets its language).
CHARTED_VIEWS = {"quarter": _l("Pledged quantity per delivery quarter"), "country": _l("Pledged quantity per country"),
                 "level": _l("Pledged quantity per ambition level")}


def summary_charts(summary: DemandSummary) -> list[tuple[dict, list[tuple[str, str]]]]:
    """Per chosen category, the (caption, SVG) charts of the chosen demand views, drawn from the public
    figures only (a suppressed bar is a labelled gap, never 0)."""
    data = from_json(summary.snapshot.public_data)
    chosen = set(summary.views.get("categories") or [])
    show = [view for view in CHARTED_VIEWS if view in (summary.views.get("show") or [])]
    if not show:
        return []
    return [
        (category, [(CHARTED_VIEWS[view], charts[view]) for view in show])
        for category in data.get("categories") or []
        if category.get("cpv_code") in chosen and (charts := demand_charts(data, category))
    ]
