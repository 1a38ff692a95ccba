"""Market signals in the API: ask for a compile (leads), follow its job, read the latest snapshot."""

import marshmallow as ma
from flask_babel import gettext as _

from alliance.alliances.access import is_lead
from alliance.alliances.rounds import alliance_rounds
from alliance.api.access import api_alliance
from alliance.api.auth import require_user, token_user
from alliance.api.blueprint import Blueprint
from alliance.api.errors import api_abort
from alliance.api.fields import id_field
from alliance.api.security import error_responses, optional_token, requires_token
from alliance.models import Alliance, DemandRound
from alliance.queue import commit_and_dispatch, rq_job_id
from alliance.signals.contract import to_json
from alliance.signals.job_status import compile_job_status, job_round
from alliance.signals.snapshots import latest_snapshot, view_for
from alliance.signals.triggers import compile_now

blp = Blueprint("api_signals", __name__, description="Market signals: compiled, disclosure-controlled snapshots")


class CompileRequestSchema(ma.Schema):
    round_id = id_field(load_default=None, metadata={"description": "Default: the latest open round"})


class JobAcceptedSchema(ma.Schema):
    job_id = ma.fields.String(required=True)


class JobStatusSchema(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, metadata={"description": "waiting | queued | scheduled | running | finished | failed"}
    )
    progress = ma.fields.Float(allow_none=True)
    snapshot_id = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)
    round_id = ma.fields.Integer()


class LatestQuerySchema(ma.Schema):
    round_id = id_field(load_default=None)


class SnapshotSchema(ma.Schema):
    snapshot_id = ma.fields.Integer(required=True, metadata={
        "description": "Leads: the snapshot's id. Everyone else: the round's release number (as release.number); "
                       "the public never sees a platform-wide id, which would count other alliances' snapshots"})
    round_id = ma.fields.Integer(required=True)
    compiled_at = ma.fields.DateTime(allow_none=True, metadata={"description": "Leads only; null for the public"})
    release = ma.fields.Dict(required=True, metadata={
        "description": "The public release this view is: {number, date}; the public reads only released snapshots"})
    view = ma.fields.String(required=True, metadata={"description": "lead | public"})
    data = ma.fields.Dict(required=True, metadata={
        "description": "The snapshot view, as documented in alliance.signals.contract (hidden figures are null, "
                       "with `reason` and its rule `reason_code`)"})


def _round(alliance: Alliance, round_id: int | None, lead: bool) -> DemandRound:
    """The named round, or the latest open one, among those the caller may see (drafts: leads only)."""
    rounds = alliance_rounds(alliance.id, include_drafts=lead)
    if round_id is not None:
        found = next((r for r in rounds if r.id == round_id), None)
        if found is None:
            api_abort(404, _("No round %(id)s in this alliance.", id=round_id))
        return found
    found = next((r for r in rounds if r.status == "open"), None)
    if found is None:
        api_abort(404, _("This alliance has no open round; name one with round_id."), "no_open_round")
    return found


@blp.route("/alliances/<slug>/signals", methods=["POST"])
@requires_token(blp)
@error_responses(blp, 403, 404, forbidden="Not a lead of the alliance", not_found="No such alliance or round")
@blp.arguments(CompileRequestSchema(), required=False)
@blp.response(202, JobAcceptedSchema)
def request_compile(data, slug: str):
    """Compile the signals of a round now (leads of the alliance). Follow the job at /api/v1/jobs/<job_id>."""
    user = require_user()
    alliance = api_alliance(slug)
    if not is_lead(user, alliance):
        api_abort(403, _("Only the alliance's leads compile signals."))
    demand_round = _round(alliance, (data or {}).get("round_id"), lead=True)
    pending = compile_now(demand_round.id)
    commit_and_dispatch()
    return {"job_id": rq_job_id(pending)}


@blp.route("/jobs/<job_id>")
@requires_token(blp)
@error_responses(blp, 404, not_found="No such job, or not one of an alliance you lead")
@blp.response(200, JobStatusSchema)
def get_job(job_id: str):
    """A compile job's status and progress (leads of the round's alliance)."""
    user = require_user()
    status = compile_job_status(job_id)
    demand_round = job_round(status) if status else None
    if demand_round is None or not is_lead(user, demand_round.alliance_id):
        api_abort(404, _("No job '%(id)s'.", id=job_id[:60]))
    return status.as_dict()


@blp.route("/alliances/<slug>/signals/latest")
@optional_token(blp)
@error_responses(blp, 404, not_found="No such alliance or round, or nothing compiled yet")
@blp.arguments(LatestQuerySchema, location="query")
@blp.response(200, SnapshotSchema)
def latest(query, slug: str):
    """The latest snapshot of a round as the caller may see it: leads every figure of the newest snapshot,
    everyone else the disclosure-controlled view of the latest public release (no token needed)."""
    alliance = api_alliance(slug)
    lead = is_lead(token_user(), alliance)
    demand_round = _round(alliance, query["round_id"], lead)
    snapshot = latest_snapshot(demand_round.id, view="lead" if lead else "public")
    if snapshot is None:
        api_abort(404, _("No signals have been compiled for this round yet."), "no_snapshot")
    return {
        "snapshot_id": snapshot.id if lead else snapshot.release_number, "round_id": demand_round.id, "compiled_at": snapshot.compiled_at if lead else None,
        "release": {"number": snapshot.release_number,
                    "date": snapshot.released_at.date().isoformat() if snapshot.released_at else None},
        "view": "lead" if lead else "public", "data": to_json(view_for(snapshot, lead)),
    }
