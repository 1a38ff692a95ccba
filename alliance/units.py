"""Units of measure: UN/CEFACT Recommendation 20 codes, shown to people by name, kept as codes in exports.

The code list is alliance/data/units/rec20.csv (Rec 20 Revision 17, 2021; see alliance/data/SOURCES.md).
A code is current unless the list marks it deprecated (D) or deleted (X): BX (box) and PK (pack) are
deleted, with packaging to be described by Recommendation 21 instead.
"""

import csv
import functools
from pathlib import Path

from flask_babel import lazy_gettext as _l

UNITS_FILE = Path(__file__).resolve().parent / "data" / "units" / "rec20.csv"
RETIRED_STATUSES = {"D", "X"}

# Plural display names for the units an alliance is offered; the project's own wording (Rec 20 gives the
# singular name only). Any other current code is shown by its Rec 20 name.
PLURALS = {
    "C62": "units", "H87": "pieces", "EA": "items", "NAR": "articles", "PR": "pairs", "SET": "sets",
    "E48": "service units", "KGM": "kilograms", "TNE": "tonnes", "LTR": "litres", "MTQ": "cubic metres",
    "MTR": "metres", "MTK": "square metres", "KWH": "kilowatt hours", "HUR": "hours", "DAY": "days",
    "MON": "months", "ANN": "years",
}
# The same names in the reader's language, for pages and charts (exports keep the codes and English names).
PLURAL_LABELS = {
    "C62": _l("units"), "H87": _l("pieces"), "EA": _l("items"), "NAR": _l("articles"), "PR": _l("pairs"),
    "SET": _l("sets"), "E48": _l("service units"), "KGM": _l("kilograms"), "TNE": _l("tonnes"), "LTR": _l("litres"),
    "MTQ": _l("cubic metres"), "MTR": _l("metres"), "MTK": _l("square metres"), "KWH": _l("kilowatt hours"),
    "HUR": _l("hours"), "DAY": _l("days"), "MON": _l("months"), "ANN": _l("years"),
}
# The units a lead picks from for a category, in this order (count units first).
OFFERED = ("H87", "C62", "PR", "SET", "EA", "NAR", "E48", "KGM", "TNE", "LTR", "MTQ", "MTR", "MTK", "KWH",
           "HUR", "DAY", "MON", "ANN")


@functools.cache
def rec20() -> dict[str, dict]:
    """Every code of the shipped Rec 20 list → {"name", "status", "current"}."""
    with UNITS_FILE.open(newline="", encoding="utf-8") as handle:
        return {
            row["CommonCode"]: {"name": row["Name"], "status": row["Status"],
                                "current": row["Status"] not in RETIRED_STATUSES}
            for row in csv.DictReader(handle)
        }


def is_current_unit(code: str) -> bool:
    entry = rec20().get(code or "")
    return bool(entry and entry["current"])


def unit_name(code: str) -> str:
    """The unit as people read it after a quantity: 'C62' → 'units', 'PR' → 'pairs', 'KGM' → 'kilograms'.

    An unknown or retired code is still named where the list has it, never shown bare; an empty code
    reads 'units'."""
    if not code:
        return "units"
    if code in PLURALS:
        return PLURALS[code]
    entry = rec20().get(code)
    return entry["name"] if entry else "units"


def unit_label(code: str) -> str:
    """unit_name in the reader's language: 'PR' → 'paires' (fr); a unit without a translated name (the
    Rec 20 names are English only) keeps its English name."""
    return str(PLURAL_LABELS.get(code or "C62", unit_name(code)))


def unit_choices() -> list[tuple[str, str]]:
    """(code, label) pairs for a unit select: the offered units, by name with the code for reference."""
    names = rec20()
    return [(code, f"{unit_name(code)} ({names[code]['name']}, UN/CEFACT {code})") for code in OFFERED
            if is_current_unit(code)]
