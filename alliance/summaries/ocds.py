"""A published summary as an Open Contracting Data Standard (OCDS 1.1) release package, planning stage.

One release per summary. The ocid is "<OCDS_PREFIX>-<round id>", stable per demand round, so every edition
of a summary is a release of the same contracting process and a later tender can point back to it through
relatedProcesses (scheme "ocid"). Real publishers register their ocid prefix with the Open Contracting
Partnership; the default "ocds-alliance" is a placeholder until a deployment registers one.

Only public_data figures appear. The signatory buyers are parties with role "buyer" and no figures at all.
Criteria are mapped to the OCDS sustainability extension (tender.hasSustainability, tender.sustainability
with `strategies` from its sustainabilityStrategy codelist); `goal` is left out because the criteria data
does not record which sustainability goal a criterion serves, and the extension allows omitting it.
"""

from decimal import Decimal

import sqlalchemy as sa

from alliance.extensions import db
from alliance.formatting import country_name, minor_unit_digits
from alliance.models import CRITERION_TYPES, DemandSummary, Membership, Organisation, Pledge
from alliance.summaries.tables import Suppressed, figure, headline

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


def ocid(prefix: str, round_id: int) -> str:
    return f"{prefix}-{round_id}"


def _amount(minor: int, currency: str) -> dict:
    major = Decimal(minor).scaleb(-minor_unit_digits(currency))
    return {"amount": int(major) if major == major.to_integral_value() else float(major), "currency": currency}


def _strategy_source(source: str) -> str:
    """euGPPCriteria / nationalGPPCriteria / otherGPPCriteria, from the criterion's cited source."""
    text = (source or "").lower()
    if "eu gpp" in text or "european commission" in text or "eu green public procurement" in text:
        return "euGPPCriteria"
    if "upphandlingsmyndigheten" in text or "national agency for public procurement" in text:
        return "nationalGPPCriteria"
    return "otherGPPCriteria"


def _parties(summary: DemandSummary) -> tuple[list[dict], dict | None]:
    leads = db.session.scalars(
        sa.select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.alliance_id == summary.alliance_id, Membership.role == "lead",
               Membership.status == "active").order_by(Organisation.name)
    ).all()
    # Signatories: organisations with a submitted pledge the snapshot could have counted. Names only.
    signatories = db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(
            sa.select(Pledge.organisation_id).where(
                Pledge.round_id == summary.round_id, Pledge.status == "submitted",
                Pledge.created_at <= summary.snapshot.compiled_at,
            )
        )).order_by(Organisation.name)
    ).all()
    parties: dict[int, dict] = {}
    for organisation, roles in [(org, ["buyer", "procuringEntity"]) for org in leads] + [
        (org, ["buyer"]) for org in signatories
    ]:
        party = parties.setdefault(organisation.id, {
            "id": f"alliance-org-{organisation.id}", "name": organisation.name,
            "address": {"countryName": country_name(organisation.country)}, "roles": [],
        })
        party["roles"] += [role for role in roles if role not in party["roles"]]
    lead = parties[leads[0].id] if leads else None
    return list(parties.values()), ({"id": lead["id"], "name": lead["name"]} if lead else None)


def summary_release(summary: DemandSummary, prefix: str, page_url: str, tender_text_url) -> dict:
    """The summary as one OCDS release. `tender_text_url(criteria_set_id)` links a criteria set's clauses."""
    data = summary.snapshot.public_data or {}
    k = data.get("k") or summary.snapshot.k
    currency = (data.get("round") or {}).get("currency") or summary.demand_round.currency
    chosen = summary.views.get("categories") or []
    categories = {c["cpv_code"]: c for c in data.get("categories") or [] if c.get("cpv_code") in chosen}
    process = ocid(prefix, summary.round_id)
    parties, buyer = _parties(summary)

    items = []
    for entry in data.get("by_category") or []:
        category = categories.get(entry.get("category"))
        if category is None:
            continue
        item = {
            "id": category["cpv_code"],
            "description": category.get("name", ""),
            "classification": {"scheme": "CPV", "id": category["cpv_code"].split("-")[0],
                               "description": category.get("name", "")},
            "unit": {"scheme": "UNCEFACT", "id": category.get("unit", ""), "name": category.get("unit", "")},
        }
        quantity = figure(entry, "quantity", k)
        if not isinstance(quantity, Suppressed):
            item["quantity"] = quantity
        items.append(item)

    criteria = [criterion for criteria_set in summary.criteria_sets for criterion in criteria_set.criteria]
    tender = {
        "id": f"{process}-tender",
        "title": summary.title,
        "status": "planning",
        "mainProcurementCategory": "goods",
        "items": items,
        "hasSustainability": bool(criteria),
        "sustainability": [
            {
                "description": f"{criterion.code} {criterion.title} ({CRITERION_TYPES[criterion.type]}, "
                               f"{criterion.level} level). Source: {criterion.source}"
                               + (f", {criterion.source_section}" if criterion.source_section else ""),
                "strategies": [TYPE_STRATEGIES[criterion.type], _strategy_source(criterion.source)],
            }
            for criterion in criteria
        ],
    }
    if buyer:
        tender["procuringEntity"] = buyer

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

    release = {
        "ocid": process,
        "id": f"{process}-summary-{summary.id}",
        "date": summary.published_at.isoformat(),
        "tag": ["planning"] if summary.edition == 1 else ["planningUpdate"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "planning": planning,
        "tender": tender,
    }
    if buyer:
        release["buyer"] = buyer
    return release


def release_package(summary: DemandSummary, prefix: str, package_url: str, page_url: str, tender_text_url) -> dict:
    """The release package served at /api/v1/summaries/<id>.ocds.json."""
    return {
        "uri": package_url,
        "version": "1.1",
        "extensions": [SUSTAINABILITY_EXTENSION],
        "publishedDate": summary.published_at.isoformat(),
        "publisher": {"name": f"{summary.alliance.name} (alliance)"},
        "releases": [summary_release(summary, prefix, page_url, tender_text_url)],
    }
