"""Demand summaries in the API: the public list, one summary, and its CSV, XLSX and OCDS exports.

Reads carry ETags (If-None-Match → 304). Published, superseded and withdrawn summaries are public (a
withdrawn one says so and carries no figures); a draft is visible only to its alliance's leads, with a token.
"""

import hashlib
import re

import marshmallow as ma
from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_smorest import abort as smorest_abort

from alliance.alliances.access import is_lead
from alliance.api.auth import token_user
from alliance.api.blueprint import Blueprint
from alliance.api.errors import ErrorSchema, api_abort
from alliance.api.etags import conditional_response
from alliance.api.pagination import page_of
from alliance.api.security import optional_token
from alliance.extensions import db
from alliance.models import SECTORS, DemandSummary
from alliance.rounds.operations import QUARTER_PATTERN
from alliance.signals.tables import Money, Share, Suppressed, headline, summary_tables
from alliance.summaries import exports
from alliance.summaries import operations as ops
from alliance.summaries.ocds import missing_configuration, release_package, withdrawal_package

blp = Blueprint("api_summaries", __name__, url_prefix="/summaries", description="Published demand summaries")
QUARTER = ma.validate.Regexp(QUARTER_PATTERN, error="Write a quarter as YYYY-Qn, for example 2027-Q1.")
NOT_FOUND = {"description": "No such summary (or a draft you may not see)", "schema": ErrorSchema}


class FilterSchema(ma.Schema):
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)))
    cpv = ma.fields.String(validate=ma.validate.Regexp(r"^\d{2,8}(-\d)?$", error="Use the digits of a CPV code."),
                           metadata={"description": "A CPV code or its first digits, e.g. 302"})
    country = ma.fields.String(validate=ma.validate.Regexp(r"^[A-Z]{2}$", error="Use an ISO 3166 alpha-2 code."))
    quarter_from = ma.fields.String(validate=QUARTER, metadata={"description": "Delivery period overlaps from"})
    quarter_to = ma.fields.String(validate=QUARTER, metadata={"description": "Delivery period overlaps until"})


class AllianceRefSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    sector = ma.fields.String(required=True)


class RoundRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    delivery_from = ma.fields.String(required=True)
    delivery_to = ma.fields.String(required=True)
    currency = ma.fields.String(required=True)


class SummaryItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    series_id = ma.fields.String(required=True)
    edition = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"description": "draft | published | superseded | withdrawn"})
    title = ma.fields.String(required=True)
    alliance = ma.fields.Nested(AllianceRefSchema, required=True)
    round = ma.fields.Nested(RoundRefSchema, required=True, attribute="demand_round")
    categories = ma.fields.Function(lambda s: list(s.views.get("categories", [])), required=True)
    published_at = ma.fields.DateTime(allow_none=True)
    withdrawn_at = ma.fields.DateTime(allow_none=True)
    links = ma.fields.Function(lambda s: _links(s), required=True)


class CriteriaSetRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    cpv_code = ma.fields.Function(lambda c: c.category.cpv_code)
    tender_text = ma.fields.Function(lambda c: url_for("tender.markdown", criteria_set_id=c.id))


class SummaryDetailSchema(SummaryItemSchema):
    version = ma.fields.Integer(required=True, metadata={"description": "Changes with every edit of a draft"})
    narrative = ma.fields.String(required=True, metadata={"description": "Markdown"})
    views = ma.fields.Function(lambda s: list(s.views.get("show", [])), required=True)
    criteria_sets = ma.fields.List(ma.fields.Nested(CriteriaSetRefSchema), required=True)
    snapshot_release = ma.fields.Function(
        lambda s: {"number": s.snapshot.release_number,
                   "date": s.snapshot.released_at.date().isoformat() if s.snapshot.released_at else None},
        metadata={"description": "The public release of the round's signals the figures come from"})
    headline = ma.fields.Function(lambda s: _cells(headline(s)) if s.status != "withdrawn" else None,
                                  allow_none=True)
    tables = ma.fields.Function(lambda s: [] if s.status == "withdrawn" else [
        {"key": t.key, "title": t.title, "columns": t.columns, "rows": [[_cell(v) for v in row] for row in t.rows]}
        for t in summary_tables(s)
    ], required=True, metadata={"description": "Empty for a withdrawn summary"})


def _cell(value):
    if isinstance(value, Suppressed):
        return {"suppressed": True, "reason": value.reason}
    if isinstance(value, Money):
        return {"value_minor": value.minor, "currency": value.currency}
    if isinstance(value, Share):
        return value.fraction
    return value


def _cells(figures: dict) -> dict | None:
    return {name: _cell(value) for name, value in figures.items()} or None


def _links(summary: DemandSummary) -> dict:
    exportable = summary.status in ("published", "superseded")
    return {
        "page": url_for("summaries.edition", series_id=summary.series_id, edition=summary.edition, _external=True),
        "api": url_for("api_summaries.get_summary", summary_id=summary.id, _external=True),
        "csv": url_for("api_summaries.summary_csv", summary_id=summary.id, _external=True) if exportable else None,
        "xlsx": url_for("api_summaries.summary_xlsx", summary_id=summary.id, _external=True) if exportable else None,
        "ocds": url_for("api_summaries.summary_ocds", summary_id=summary.id, _external=True)
        if exportable and not missing_configuration(current_app.config) else None,
    }


def _gone(summary: DemandSummary) -> None:
    """410 Gone for a withdrawn summary, pointing to the OCDS release that records the withdrawal."""
    withdrawn_on = f"{summary.withdrawn_at:%Y-%m-%d}"
    message = _("This summary was withdrawn on %(date)s; its figures are no longer offered.", date=withdrawn_on)
    headers = {}
    if not missing_configuration(current_app.config):
        withdrawal = url_for("api_summaries.summary_withdrawal_ocds", summary_id=summary.id, _external=True)
        message = _("This summary was withdrawn on %(date)s; its figures are no longer offered. The withdrawal is "
                    "recorded as an OCDS release: %(url)s", date=withdrawn_on, url=withdrawal)
        headers["Link"] = f'<{withdrawal}>; rel="alternate"; type="application/json"'
    smorest_abort(410, message=message, error_code="withdrawn", headers=headers)


def _visible_summary(summary_id: int) -> DemandSummary:
    summary = db.session.get(DemandSummary, summary_id)
    if summary is None or (summary.status == "draft" and not is_lead(token_user(), summary.alliance_id)):
        api_abort(404, _("No summary %(id)s.", id=summary_id))
    if summary.status == "withdrawn":
        _gone(summary)
    return summary


def _exportable(summary_id: int) -> DemandSummary:
    summary = db.session.get(DemandSummary, summary_id)
    if summary is None or summary.status == "draft":
        api_abort(404, _("No published summary %(id)s.", id=summary_id))
    if summary.status == "withdrawn":
        _gone(summary)
    return summary


def _ocds_configured() -> None:
    missing = missing_configuration(current_app.config)
    if missing:
        api_abort(404, _("OCDS publication is not set up on this server: it needs %(settings)s (a registered ocid "
                         "prefix, the data's licence and publication policy).", settings=", ".join(missing)),
                  "ocds_not_configured")


@blp.route("")
@blp.etag
@blp.arguments(FilterSchema, location="query")
@blp.response(200, SummaryItemSchema(many=True))
@blp.paginate()
def list_summaries(filters, pagination_parameters):
    """Published summaries (the current edition of each), newest first. Paginated: see X-Pagination."""
    return page_of(ops.published_query(ops.ListFilters(**filters)), pagination_parameters)


@blp.route("/<int:summary_id>")
@blp.etag
@blp.response(200, SummaryDetailSchema)
@blp.alt_response(404, **NOT_FOUND)
@blp.alt_response(410, description="The summary was withdrawn", schema=ErrorSchema)
@optional_token(blp)
def get_summary(summary_id: int):
    """One summary with its disclosure-controlled tables. A draft: its alliance's leads only (bearer token).
    A withdrawn summary is 410 Gone, like its exports."""
    return _visible_summary(summary_id), 200, {"Vary": "Authorization"}


def _export_doc(content_type: str, description: str, schema: dict | None = None) -> dict:
    schema = schema or {"type": "string", "format": "binary"}
    return {"responses": {
        "200": {"description": description, "content": {content_type: {"schema": schema}}},
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "404": {"description": "No such published summary",
                "content": {"application/json": {"schema": ErrorSchema}}},
        "410": {"description": "The summary was withdrawn",
                "content": {"application/json": {"schema": ErrorSchema}}},
    }}


def _filename(summary: DemandSummary, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", summary.alliance.slug.lower()).strip("-") or "alliance"
    return f"{slug}-summary-{summary.id}-edition-{summary.edition}.{extension}"


def _download(summary: DemandSummary, body: bytes | str, mimetype: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(summary, extension)}"'
    # A published edition never changes, so its id, status and format identify the bytes; the OCDS parties
    # follow the joint statement's signatures, so OCDS files are identified by their content.
    identity = f"summary-{summary.id}-{summary.status}-{summary.version}-{extension}"
    if extension.endswith("ocds.json"):
        identity += "-" + hashlib.sha256(body.encode() if isinstance(body, str) else body).hexdigest()[:16]
    return conditional_response(response, identity)


@blp.route("/<int:summary_id>.csv")
@blp.doc(**_export_doc("text/csv", "The summary's figures as CSV (UTF-8 with BOM)"))
def summary_csv(summary_id: int):
    """The summary's figures as CSV: one tidy table, formula-safe."""
    summary = _exportable(summary_id)
    return _download(summary, exports.summary_csv(summary), "text/csv; charset=utf-8", "csv")



@blp.route("/<int:summary_id>.xlsx")
@blp.doc(**_export_doc("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       "The summary as a workbook, a sheet per view"))
def summary_xlsx(summary_id: int):
    """The summary as an XLSX workbook, a sheet per view."""
    summary = _exportable(summary_id)
    return _download(summary, exports.summary_xlsx(summary),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")


@blp.route("/<int:summary_id>.ocds.json")
@blp.doc(**_export_doc("application/json", "An OCDS 1.1 release package (planning); see "
                       "https://standard.open-contracting.org/1.1/en/schema/release_package/", {
    "type": "object", "required": ["uri", "publisher", "publishedDate", "releases", "version"],
    "properties": {"releases": {"type": "array", "items": {"type": "object"}}, "version": {"type": "string"}},
}))
def summary_ocds(summary_id: int):
    """The summary as an OCDS 1.1 release package: planning, CPV items, signatory buyers without volumes.
    404 until the server's OCDS settings are set; 410 once withdrawn (see withdrawal.ocds.json)."""
    _ocds_configured()
    summary = _exportable(summary_id)
    package = release_package(
        summary, current_app.config,
        package_url=request.base_url,
        page_url=url_for("summaries.edition", series_id=summary.series_id, edition=summary.edition, _external=True),
        tender_text_url=lambda criteria_set_id: url_for("tender.markdown", criteria_set_id=criteria_set_id,
                                                        _external=True),
    )
    return _download(summary, current_app.json.dumps(package), "application/json", "ocds.json")


@blp.route("/<int:summary_id>/withdrawal.ocds.json")
@blp.doc(**_export_doc("application/json", "An OCDS 1.1 release package with the planningUpdate release that "
                       "records the summary's withdrawal (tender.status withdrawn)"))
def summary_withdrawal_ocds(summary_id: int):
    """The OCDS release recording a summary's withdrawal, so a data user who mirrored it learns of it."""
    _ocds_configured()
    summary = db.session.get(DemandSummary, summary_id)
    if summary is None or summary.status != "withdrawn":
        api_abort(404, _("No withdrawn summary %(id)s.", id=summary_id))
    package = withdrawal_package(summary, current_app.config, package_url=request.base_url)
    return _download(summary, current_app.json.dumps(package), "application/json", "withdrawal.ocds.json")
