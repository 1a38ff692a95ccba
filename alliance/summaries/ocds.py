"""A published summary as an Open Contracting Data Standard (OCDS 1.1) release package, planning stage.

One release per summary edition. The ocid is "<OCDS_PREFIX>-<series id>": every edition of one summary is a
release of the same process, and a later tender can point back to it through relatedProcesses (scheme
"ocid"). A round may have several summary series (say, one per category group); each is its own process, so
withdrawing one does not mark the others withdrawn in a data user's compiled records. Nothing is exported until the deployment sets the prefix it registered
with the Open Contracting Partnership, the data's licence and its publication policy (config.py).

Only public_data figures appear. The parties are the buyer organisations that signed the round's published
joint statement, with role "buyer" (each buys under its own procedures: there is no procuring entity, the
alliance is the publisher, not a party running a joint tender), named without any figure, and with a
registered identifier only where the organisation data holds one. Criteria are mapped to the OCDS
sustainability extension (tender.hasSustainability, tender.sustainability with `strategies` from its
sustainabilityStrategy codelist); the extension has no field linking an entry to an item, so each entry's
description starts with the item (CPV code) it applies to. `goal` is left out: the criteria data does not
record which sustainability goal a criterion serves, and the extension allows omitting it.

When a summary is withdrawn, a planningUpdate release of the same ocid records it with tender.status
"withdrawn" ("no further information on this process is available under this ocid").
"""


from alliance.extensions import db
from alliance.formatting import country_name, major_amount
from alliance.models import CRITERION_TYPES, DemandSummary, Organisation
from alliance.signals.tables import Suppressed, figure, headline, summary_data
from alliance.statements.operations import current as current_statement
from alliance.statements.operations import signatories

SUSTAINABILITY_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_sustainability_extension/master/extension.json"
)
# Criterion type → code of the extension's sustainabilityStrategy codelist.
TYPE_STRATEGIES = {
    "selection": "selectionCriteria",
    "specification": "technicalSpecifications",
    "award": "awardCriteria",
    "clause": "contractPerformanceConditions",
}
# UN/CEFACT Recommendation 20 names of the unit codes categories use.
UNIT_NAMES = {"C62": "one", "H87": "piece", "PR": "pair", "NAR": "number of articles", "SET": "set"}
CONFIG_KEYS = ("OCDS_PREFIX", "OCDS_LICENSE", "OCDS_PUBLICATION_POLICY")


def missing_configuration(config) -> list[str]:
    """The OCDS settings a deployment has not set; OCDS is exported only when this is empty."""
    return [key for key in CONFIG_KEYS if not config.get(key)]


def ocid(prefix: str, summary: DemandSummary) -> str:
    return f"{prefix}-{summary.series_id}"


def _amount(minor: int, currency: str) -> dict:
    major = major_amount(minor, currency)
    return {"amount": int(major) if major == major.to_integral_value() else float(major), "currency": currency}


def _strategy_source(source: str) -> str:
    """euGPPCriteria / nationalGPPCriteria / otherGPPCriteria, from the criterion's cited source."""
    text = (source or "").lower()
    if "eu gpp" in text or "european commission" in text or "eu green public procurement" in text:
        return "euGPPCriteria"
    if "upphandlingsmyndigheten" in text or "national agency for public procurement" in text:
        return "nationalGPPCriteria"
    return "otherGPPCriteria"


def _party(organisation_id: int, name: str, country: str) -> dict:
    organisation = db.session.get(Organisation, organisation_id)
    party = {"id": f"alliance-org-{organisation_id}", "name": name,
             "address": {"countryName": country_name(country)}, "roles": ["buyer"]}
    if organisation.identifier_scheme and organisation.identifier:
        party["id"] = f"{organisation.identifier_scheme}-{organisation.identifier}"
        party["identifier"] = {"scheme": organisation.identifier_scheme, "id": organisation.identifier,
                               "legalName": name}
    return party


def _parties(summary: DemandSummary) -> list[dict]:
    statement = current_statement(summary.round_id)
    if statement is None:
        return []
    return [_party(signatory.organisation_id, signatory.name, signatory.country)
            for signatory in sorted(signatories(statement.id), key=lambda signatory: signatory.name)]


def _sustainability(summary: DemandSummary, item_names: dict[str, str]) -> list[dict]:
    """One entry per criterion of the summary's criteria sets whose category is an item; duplicates (the
    same criterion in two versions of a set) once, as the extension's uniqueItems requires."""
    entries: dict[tuple, dict] = {}
    for criteria_set in summary.criteria_sets:
        cpv = criteria_set.category.cpv_code
        if cpv not in item_names:
            continue
        for criterion in criteria_set.criteria:
            description = (
                f"Item {cpv} ({item_names[cpv]}): {criterion.code} {criterion.title} "
                f"({CRITERION_TYPES[criterion.type]}, {criterion.level} level). Source: {criterion.source}"
                + (f", {criterion.source_section}" if criterion.source_section else "")
            )
            strategies = list(dict.fromkeys([TYPE_STRATEGIES[criterion.type], _strategy_source(criterion.source)]))
            entries.setdefault((description, tuple(strategies)), {"description": description,
                                                                   "strategies": strategies})
    return list(entries.values())


def summary_release(summary: DemandSummary, prefix: str, page_url: str, tender_text_url) -> dict:
    """The summary as one OCDS release. `tender_text_url(criteria_set_id)` links a criteria set's clauses."""
    figures = summary_data(summary)
    data, k, currency, categories = figures.data, figures.k, figures.currency, figures.categories
    process = ocid(prefix, summary)

    items = []
    for entry in data.get("by_category") or []:
        category = categories.get(entry.get("category"))
        if category is None:
            continue
        unit = category.get("unit", "")
        item = {
            "id": category["cpv_code"],
            "description": category.get("name", ""),
            "classification": {"scheme": "CPV", "id": category["cpv_code"].split("-")[0],
                               "description": category.get("name", "")},
            "unit": {"scheme": "UNCEFACT", "id": unit, "name": UNIT_NAMES.get(unit, unit)},
        }
        quantity = figure(entry, "quantity", k)
        if not isinstance(quantity, Suppressed):
            item["quantity"] = quantity
        items.append(item)

    sustainability = _sustainability(summary, {item["id"]: item["description"] for item in items})
    tender = {
        "id": f"{process}-tender",
        "title": summary.title,
        "status": "planning",
        "mainProcurementCategory": "goods",
        "items": items,
        "hasSustainability": bool(sustainability),
    }
    if sustainability:
        tender["sustainability"] = sustainability

    planning = {
        "rationale": summary.narrative or summary.title,
        "documents": [{
            "id": "summary", "documentType": "plannedProcurementNotice", "title": summary.title,
            "url": page_url, "format": "text/html", "language": "en",
        }] + [{
            "id": f"criteria-set-{criteria_set.id}", "documentType": "technicalSpecifications",
            "title": f"{criteria_set.title} (version {criteria_set.version}): tender clauses",
            "url": tender_text_url(criteria_set.id), "format": "text/markdown", "language": "en",
        } for criteria_set in summary.criteria_sets],
    }
    overall = headline(summary)
    if overall and not isinstance(overall["value"], Suppressed):
        planning["budget"] = {
            "id": f"{process}-pooled-demand",
            "description": "Estimated value of the pooled demand of the alliance's buyers (aggregated, "
                           "disclosure-controlled); not a committed budget.",
            "amount": _amount(overall["value"].minor, currency),
        }

    return {
        "ocid": process,
        "id": f"{process}-summary-{summary.id}",
        "date": summary.published_at.isoformat(),
        "tag": ["planning"] if summary.edition == 1 else ["planningUpdate"],
        "initiationType": "tender",
        "language": "en",
        "parties": _parties(summary),
        "planning": planning,
        "tender": tender,
    }


def withdrawal_release(summary: DemandSummary, prefix: str) -> dict:
    """The release recording that a published summary was withdrawn: same ocid, later date."""
    process = ocid(prefix, summary)
    return {
        "ocid": process,
        "id": f"{process}-summary-{summary.id}-withdrawn",
        "date": summary.withdrawn_at.isoformat(),
        "tag": ["planningUpdate"],
        "initiationType": "tender",
        "language": "en",
        "tender": {
            "id": f"{process}-tender",
            "status": "withdrawn",
            "description": f"The alliance withdrew its demand summary “{summary.title}” (edition "
                           f"{summary.edition}) on {summary.withdrawn_at:%Y-%m-%d}; its figures are no longer "
                           "offered.",
        },
    }


def _package(summary: DemandSummary, config, package_url: str, published_date, releases: list[dict]) -> dict:
    return {
        "uri": package_url,
        "version": "1.1",
        "extensions": [SUSTAINABILITY_EXTENSION],
        "publishedDate": published_date.isoformat(),
        "publisher": {"name": f"{summary.alliance.name} (alliance)"},
        "license": config["OCDS_LICENSE"],
        "publicationPolicy": config["OCDS_PUBLICATION_POLICY"],
        "releases": releases,
    }


def release_package(summary: DemandSummary, config, package_url: str, page_url: str, tender_text_url) -> dict:
    """The release package served at /api/v1/summaries/<id>.ocds.json."""
    return _package(summary, config, package_url, summary.published_at,
                    [summary_release(summary, config["OCDS_PREFIX"], page_url, tender_text_url)])


def withdrawal_package(summary: DemandSummary, config, package_url: str) -> dict:
    """The release package served at /api/v1/summaries/<id>/withdrawal.ocds.json for a withdrawn summary."""
    return _package(summary, config, package_url, summary.withdrawn_at,
                    [withdrawal_release(summary, config["OCDS_PREFIX"])])
