"""CSV and XLSX downloads of a published summary: the same disclosure-controlled figures as its page.

CSV: one tidy table (a row per figure group, a `view` column saying which breakdown), UTF-8 with a byte
order mark so spreadsheet programs read accented names right; a text cell that a spreadsheet would run
as a formula (starting with = + - @ tab or CR) gets a leading apostrophe, numbers stay numbers.
XLSX: a sheet per table, written by xlsxwriter in constant-memory mode (rows streamed to disk).
"""

import csv
import io
import re
from decimal import Decimal

import xlsxwriter

from alliance.formatting import major_amount
from alliance.models import DemandSummary
from alliance.signals.tables import (
    Money,
    Share,
    SummaryData,
    Suppressed,
    figure,
    headline,
    summary_data,
    summary_tables,
)

CSV_COLUMNS = ["view", "cpv_code", "category", "unit", "quarter", "country", "level", "quantity",
               "estimated_value", "currency", "buyers", "note"]
_CSV_VIEWS = [("total", "by_category", None), ("quarter", "by_quarter", "quarter"),
              ("country", "by_country", "country"), ("level", "by_level", "level")]
SHEET_NAMES = {"total": "Per category", "quarter": "Per quarter", "country": "Per country", "level": "Per level",
               "readiness": "Readiness", "impact": "Impact"}  # Excel allows 31 characters
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell value a spreadsheet will not run as a formula. Numbers (negative ones too) stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if _NUMBER.fullmatch(text):
        return text
    # Spreadsheets skip leading blanks before reading "=" (and the like) as a formula.
    if text.lstrip(" \n").startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_rows(summary: DemandSummary) -> list[list]:
    """The CSV's rows (header first): the figures summary_tables() shows, read through the same summary_data()
    and figure(), one tidy row per figure group, with codes rather than display names for machines."""
    figures = summary_data(summary)
    show = {"total"} | set(figures.show)
    rows = [CSV_COLUMNS]
    for view, key, dimension in _CSV_VIEWS:
        if view in show:
            rows += [_csv_row(figures, view, dimension, entry) for entry in figures.rows_of(key)]
    change = _change_row(summary, figures)
    return rows + ([change] if change else [])


def _published(value):
    """A figure's CSV cell: empty when it is suppressed (the note column says why)."""
    return "" if isinstance(value, Suppressed) else value


def _csv_row(figures: SummaryData, view: str, dimension: str | None, entry: dict) -> list:
    category = figures.categories[entry["category"]]
    quantity, value, buyers = (figure(entry, name, figures.k) for name in ("quantity", "value_minor", "buyers"))
    amount = "" if isinstance(value, Suppressed) else major_amount(int(value), figures.currency)
    return [
        view, category["cpv_code"], category.get("name", ""), category.get("unit", ""),
        *(entry.get(name, "") if name == dimension else "" for name in ("quarter", "country", "level")),
        _published(quantity), amount, figures.currency, _published(buyers),
        str(quantity) if isinstance(quantity, Suppressed) else "",
    ]


def _change_row(summary: DemandSummary, figures: SummaryData) -> list | None:
    """The change since the previous release, when there is one and the summary shows every category."""
    change = figures.data.get("change") or {}
    if not (headline(summary) and (change.get("previous_snapshot_id") or change.get("previous_release"))):
        return None
    quantity, value = change.get("quantity"), change.get("value_minor")
    withheld = quantity is None or value is None
    return ["change_since_previous_release", "", "", "", "", "", "",
            "" if quantity is None else quantity, "" if value is None else major_amount(int(value), figures.currency),
            figures.currency, "", "withheld by disclosure control" if withheld else ""]


def summary_csv(summary: DemandSummary) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv_rows(summary):
        writer.writerow([csv_safe(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def summary_xlsx(summary: DemandSummary) -> bytes:
    """The summary as a workbook: an "About" sheet, then one sheet per table."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    italic = workbook.add_format({"italic": True, "font_color": "#555555"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    percent = workbook.add_format({"num_format": "0%"})

    about = workbook.add_worksheet("About")
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 80)
    facts = [
        ("Title", summary.title), ("Alliance", summary.alliance.name), ("Round", summary.demand_round.title),
        ("Edition", summary.edition), ("Status", summary.status),
        ("Published", summary.published_at.strftime("%Y-%m-%d %H:%M UTC") if summary.published_at else ""),
        ("Currency", summary.demand_round.currency),
        ("Disclosure control", f"A figure needs at least {summary.snapshot.k} buyers and no buyer may hold more "
                               f"than {summary.snapshot.p}% of it; other figures are suppressed and say why."),
    ]
    for row, (label, value) in enumerate(facts):
        about.write_string(row, 0, label, bold)
        _write(about, row, 1, value, italic, money, percent)

    for table in summary_tables(summary):
        sheet = workbook.add_worksheet(SHEET_NAMES.get(table.key, table.key))
        sheet.set_column(0, len(table.columns) - 1, 18)
        for col, name in enumerate(table.columns):
            sheet.write_string(0, col, name, bold)
        for row, cells in enumerate(table.rows, start=1):
            for col, value in enumerate(cells):
                _write(sheet, row, col, value, italic, money, percent)
    workbook.close()
    return output.getvalue()


def _write(sheet, row: int, col: int, value, italic, money, percent) -> None:
    if value is None or value == "":
        return
    if isinstance(value, Suppressed):
        sheet.write_string(row, col, value.reason, italic)
    elif isinstance(value, Money):
        sheet.write_number(row, col, float(value.major), money)
    elif isinstance(value, Share):
        sheet.write_number(row, col, value.fraction, percent)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))
