"""The words people read for stored codes: statuses, criteria levels, sectors, criterion types, organisation
types and supplier readiness, each in the reader's language.

The database, the exports and the API keep the codes ("core", "by_date", "published"), and documents in
English keep the English names of alliance.models; pages, form choices and messages take their words from
here, so each label is written and translated once.
"""

from flask_babel import lazy_gettext as _l

LABELS = {
    # The lifecycle states of pledges, rounds, criteria sets, summaries and statements. In French and Spanish
    # they agree with "statut"/"estado" (the column they are shown under), not with the thing they describe;
    # a sentence about one thing's state is written whole, per state, where it is said.
    "status": {
        "draft": _l("draft"), "submitted": _l("submitted"), "withdrawn": _l("withdrawn"),
        "published": _l("published"), "open": _l("open"), "closed": _l("closed"), "retired": _l("retired"),
        "superseded": _l("superseded"),
    },
    # The two levels of the EU green public procurement criteria.
    "level": {"core": _l("Core"), "comprehensive": _l("Comprehensive")},
    "sector": {"ict": _l("ICT"), "health": _l("Health"), "construction": _l("Construction"), "food": _l("Food")},
    "criterion_type": {
        "selection": _l("Selection criterion"), "specification": _l("Technical specification"),
        "award": _l("Award criterion"), "clause": _l("Contract performance clause"),
    },
    # Buyer types, then supplier types.
    "organisation_type": {
        "municipality": _l("Municipality"), "region": _l("Region"), "ministry": _l("Ministry"),
        "agency": _l("Public agency"), "hospital": _l("Hospital"), "university": _l("University"),
        "central_purchasing_body": _l("Central purchasing body"),
        "company": _l("Company"), "cooperative": _l("Cooperative"), "social_enterprise": _l("Social enterprise"),
    },
    # Whose words a criterion's text is.
    "wording": {
        "source": _l("The source's own wording"), "translation": _l("Translated by the project from the source"),
        "summary": _l("Summarised by the project from the source"), "missing": _l("The official wording is missing"),
    },
    "readiness": {"meets": _l("Meets now"), "by_date": _l("Can meet by a date"), "cannot": _l("Cannot meet")},
    # The steps a compile reports while it runs (workers/signals.py, alliance/signals/snapshots.py; the API keeps
    # them in English).
    "compile_step": {
        "starting": _l("starting"), "aggregating pledges": _l("aggregating pledges"),
        "applying disclosure control": _l("applying disclosure control"), "building the views": _l("building the views"),
        "checking the release against the earlier ones": _l("checking the release against the earlier ones"),
        "snapshot stored": _l("snapshot stored"), "unchanged since the last snapshot": _l("unchanged since the last snapshot"),
        "finished": _l("finished"),
        "The worker stopped; the compile will be retried.": _l("The worker stopped; the compile will be retried."),
    },
    # The titles and column headings of a summary's tables: alliance.signals.tables keeps them in English for
    # the exports, pages show them through this table.
    "summary_heading": {
        "Ambition level": _l("Ambition level"),
        "Buyers": _l("Buyers"),
        "CPV code": _l("CPV code"),
        "Category": _l("Category"),
        "Comprehensive level, share of value": _l("Comprehensive level, share of value"),
        "Country": _l("Country"),
        "Criterion": _l("Criterion"),
        "Delivery quarter": _l("Delivery quarter"),
        "Demand per ambition level": _l("Demand per ambition level"),
        "Demand per category": _l("Demand per category"),
        "Demand per country": _l("Demand per country"),
        "Demand per delivery quarter": _l("Demand per delivery quarter"),
        "Earliest quarter (k suppliers ready)": _l("Earliest quarter (k suppliers ready)"),
        "Estimated impact": _l("Estimated impact"),
        "Estimated impact (cited factors)": _l("Estimated impact (cited factors)"),
        "Estimated value": _l("Estimated value"),
        "Impact factor": _l("Impact factor"),
        "Quantity": _l("Quantity"),
        "Source": _l("Source"),
        "Supplier readiness per criterion": _l("Supplier readiness per criterion"),
        "Suppliers able by a date": _l("Suppliers able by a date"),
        "Suppliers meeting it now": _l("Suppliers meeting it now"),
        "Suppliers unable": _l("Suppliers unable"),
        "Unit": _l("Unit"),
        "of which SMEs": _l("of which SMEs"),
    },
}


def label(code: str | None, kind: str = "status") -> str:
    """The label of a stored code in the reader's language; an unknown code as it is."""
    return str(LABELS[kind].get(code, code or ""))


def choices(kind: str, codes=None) -> list[tuple[str, object]]:
    """(code, label) pairs for a select field, in the order of `codes` (default: every code of the kind).
    The labels stay lazy, so a form built at import time still speaks each reader's language."""
    table = LABELS[kind]
    return [(code, table.get(code, code)) for code in (table if codes is None else codes)]
