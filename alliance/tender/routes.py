"""GET /criteria-sets/<id>/tender.md and .docx: a criteria set's tender clauses. Published and retired sets
are public; a draft only for the alliance's leads (404 for everyone else: a draft is not yet public)."""

import re

from flask import Blueprint, Response, abort
from flask_login import current_user

from alliance.alliances.access import is_lead
from alliance.extensions import db
from alliance.models import CriteriaSet
from alliance.tender.clauses import tender_docx, tender_markdown

bp = Blueprint("tender", __name__, url_prefix="/criteria-sets")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _criteria_set(criteria_set_id: int) -> CriteriaSet:
    criteria_set = db.session.get(CriteriaSet, criteria_set_id)
    if criteria_set is None or (criteria_set.status == "draft" and not is_lead(current_user, criteria_set.alliance_id)):
        abort(404)
    return criteria_set


def _filename(criteria_set: CriteriaSet, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", criteria_set.title.lower()).strip("-")[:60] or "criteria"
    return f"{slug}-v{criteria_set.version}-tender-clauses.{extension}"


def _download(body, mimetype: str, filename: str, criteria_set: CriteriaSet) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if criteria_set.status == "draft":
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:criteria_set_id>/tender.md")
def markdown(criteria_set_id: int):
    criteria_set = _criteria_set(criteria_set_id)
    # Response adds "; charset=utf-8" to a text/* mimetype itself: naming it here sent it twice.
    return _download(tender_markdown(criteria_set), "text/markdown", _filename(criteria_set, "md"), criteria_set)


@bp.route("/<int:criteria_set_id>/tender.docx")
def docx(criteria_set_id: int):
    criteria_set = _criteria_set(criteria_set_id)
    return _download(tender_docx(criteria_set), DOCX, _filename(criteria_set, "docx"), criteria_set)
