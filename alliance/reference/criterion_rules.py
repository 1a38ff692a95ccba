"""The rules every criterion obeys, whether it comes from a reference data file or a lead's form."""

import math
import re

from alliance.language.source_text import SOURCE_LANGUAGES
from alliance.models import CRITERION_TYPES, LEVELS

# Limits of the criterion table's columns (alliance/models/criteria.py).
MAX_LENGTHS = {
    "code": 40, "title": 300, "text": 10_000, "verification": 2_000, "source": 300, "source_section": 120,
    "source_url": 500, "impact_unit": 80, "impact_source": 500, "topic": 40,
}
TEXT_FIELDS = tuple(MAX_LENGTHS)
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
URL_PATTERN = re.compile(r"^https?://[^\s]+$")
# How a criterion's text relates to its source. Only "source" and "translation" are a source's wording.
WORDINGS = {
    "source": "The source's own wording",
    "translation": "Translated by the project from the source",
    "summary": "Summarised by the project from the source",
    "missing": "The official wording is missing",
}


def criterion_problems(fields: dict) -> dict[str, str]:
    """Check one criterion's fields; returns {field: message}, empty when the criterion is valid.

    Every criterion cites its source document and the section in it; an impact factor is only accepted
    with its unit and the source it is cited from (never an uncited figure).
    """
    problems: dict[str, str] = {}
    for name, limit in MAX_LENGTHS.items():
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            problems[name] = "must be text."
        elif len(value or "") > limit:
            problems[name] = f"is limited to {limit} characters."
    required = [("code", "a code"), ("title", "a title"), ("source", "the source document"),
                ("source_section", "the section of the source")]
    if fields.get("wording") != "missing":  # a criterion whose official wording is missing has no text
        required.append(("text", "the requirement text"))
    for name, label in required:
        if name not in problems and not (fields.get(name) or "").strip():
            problems[name] = f"Give {label}."
    code = (fields.get("code") or "").strip()
    if "code" not in problems and not CODE_PATTERN.match(code):
        problems["code"] = "Use letters, digits, '.', '_', ':' or '-' (no spaces)."
    if fields.get("type") not in CRITERION_TYPES:
        problems["type"] = f"Choose one of: {', '.join(CRITERION_TYPES)}."
    if fields.get("level") not in LEVELS:
        problems["level"] = f"Choose one of: {', '.join(LEVELS)}."
    if (fields.get("wording") or "source") not in WORDINGS:
        problems["wording"] = f"Choose one of: {', '.join(WORDINGS)}."
    if (fields.get("language") or "en") not in SOURCE_LANGUAGES:
        problems["language"] = f"Choose one of: {', '.join(SOURCE_LANGUAGES)}."
    topic = (fields.get("topic") or "").strip()
    if "topic" not in problems and topic and not CODE_PATTERN.match(topic):
        problems["topic"] = "Use letters, digits, '.', '_', ':' or '-' (no spaces)."
    url = (fields.get("source_url") or "").strip()
    if "source_url" not in problems and url and not URL_PATTERN.match(url):
        problems["source_url"] = "Give a web address starting with http:// or https://."
    factor = fields.get("impact_factor")
    if factor is not None:
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not math.isfinite(factor):
            problems["impact_factor"] = "must be a number."
        elif factor < 0:
            problems["impact_factor"] = "must be zero or more."
        if not (fields.get("impact_source") or "").strip() and "impact_source" not in problems:
            problems["impact_source"] = "An impact factor needs the source it is cited from."
        if not (fields.get("impact_unit") or "").strip() and "impact_unit" not in problems:
            problems["impact_unit"] = "An impact factor needs its unit, e.g. 'kg CO2e per unit'."
    elif (fields.get("impact_unit") or "").strip() or (fields.get("impact_source") or "").strip():
        problems["impact_factor"] = "Give the impact factor, or leave its unit and source empty."
    return problems


def clean_criterion(fields: dict) -> dict:
    """The criterion's fields as stored: text stripped, a missing impact factor with empty unit and source."""
    cleaned = {name: (fields.get(name) or "").strip() for name in TEXT_FIELDS}
    cleaned["type"] = fields["type"]
    cleaned["level"] = fields["level"]
    cleaned["wording"] = fields.get("wording") or "source"
    cleaned["language"] = fields.get("language") or "en"
    factor = fields.get("impact_factor")
    cleaned["impact_factor"] = float(factor) if factor is not None else None
    return cleaned
