"""The rules every criterion obeys, whether it comes from a reference data file or a lead's form."""

import math
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
# What a criterion must give, each as the sentence that asks for it.
REQUIRED_MESSAGES = {
    "code": _l("Give a code."),
    "title": _l("Give a title."),
    "source": _l("Give the source document."),
    "source_section": _l("Give the section of the source."),
    "text": _l("Give the requirement text."),
}


def criterion_problems(fields: dict) -> dict[str, str]:
    """Check one criterion's fields; returns {field: message}, empty when the criterion is valid.

    Every criterion cites its source document and the section in it; an impact factor is only accepted
    with its unit and the source it is cited from (never an uncited figure). A field gets the first
    problem found: a value that is not text is reported as such, not as missing.
    """
    problems: dict[str, str] = {}
    for check in (_text_problems, _missing_problems, _choice_problems, _format_problems, _impact_problems):
        for name, message in check(fields):
            problems.setdefault(name, message)
    return problems


def _text(fields: dict, name: str) -> str:
    """The field's text without surrounding blanks; empty for a missing value or one that is not text."""
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def _text_problems(fields: dict):
    for name, limit in MAX_LENGTHS.items():
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            yield name, _("This must be text.")
        elif len(value or "") > limit:
            yield name, _("Use at most %(max)d characters.", max=limit)


def _missing_problems(fields: dict):
    required = ["code", "title", "source", "source_section"]
    if fields.get("wording") != "missing":  # a criterion whose official wording is missing has no text
        required.append("text")
    for name in required:
        if not _text(fields, name):
            yield name, str(REQUIRED_MESSAGES[name])


def _choice_problems(fields: dict):
    for name, choices, default in (("type", CRITERION_TYPES, None), ("level", LEVELS, None),
                                   ("wording", WORDINGS, "source"), ("language", SOURCE_LANGUAGES, "en")):
        value = fields.get(name) or default
        if not isinstance(value, str) or value not in choices:
            yield name, _("Choose one of: %(types)s.", types=", ".join(choices))


def _format_problems(fields: dict):
    if not CODE_PATTERN.match(_text(fields, "code")):
        yield "code", _("Use letters, digits, '.', '_', ':' or '-' (no spaces).")
    topic = _text(fields, "topic")
    if topic and not CODE_PATTERN.match(topic):
        yield "topic", _("Use letters, digits, '.', '_', ':' or '-' (no spaces).")
    url = _text(fields, "source_url")
    if url and not URL_PATTERN.match(url):
        yield "source_url", _("Give a web address starting with http:// or https://.")


def _impact_problems(fields: dict):
    factor = fields.get("impact_factor")
    if factor is None:
        if _text(fields, "impact_unit") or _text(fields, "impact_source"):
            yield "impact_factor", _("Give the impact factor, or leave its unit and source empty.")
        return
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not math.isfinite(factor):
        yield "impact_factor", _("The impact factor must be a number.")
    elif factor < 0:
        yield "impact_factor", _("The impact factor must be zero or more.")
    if not _text(fields, "impact_source"):
        yield "impact_source", _("An impact factor needs the source it is cited from.")
    if not _text(fields, "impact_unit"):
        yield "impact_unit", _("An impact factor needs its unit, e.g. 'kg CO2e per unit'.")


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
