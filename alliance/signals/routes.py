"""Signals pages: the alliance's dashboard per round (read from the latest snapshot), "Compile now" and
the compile job's status page. Leads see every figure with the suppression marks; everyone else the
disclosure-controlled view."""

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from alliance.alliances.access import alliance_or_404, is_lead, led_alliance_or_403
from alliance.alliances.rounds import alliance_rounds
from alliance.caching import cached_page, public_etag
from alliance.extensions import db
from alliance.language import country_label
from alliance.models import DemandRound
from alliance.queue import commit_and_dispatch, rq_job_id
from alliance.signals.charts import demand_charts
from alliance.signals.contract import View
from alliance.signals.job_status import compile_job_status, job_round
from alliance.signals.snapshots import latest_release_stamp, latest_snapshot, view_for
from alliance.signals.triggers import compile_now

bp = Blueprint("signals", __name__)


def default_round(rounds: list[DemandRound]) -> DemandRound | None:
    """The latest open round, else the latest round."""
    return next((r for r in rounds if r.status == "open"), rounds[0] if rounds else None)


@bp.route("/alliances/<slug>/signals")
def dashboard(slug: str):
    alliance = alliance_or_404(slug)
    lead = is_lead(current_user, alliance)
    rounds = alliance_rounds(alliance.id, include_drafts=lead)
    chosen = request.args.get("round", type=int)
    demand_round = next((r for r in rounds if r.id == chosen), None) if chosen else default_round(rounds)
    if chosen and demand_round is None:
        abort(404)
    # Built from an immutable snapshot: the tag needs only ids, so a repeat visit reads no snapshot data.
    # Signed-in readers get no tag (public_etag), so their page does not read the snapshot id for one; the
    # public's tag follows releases only.
    etag = None if current_user.is_authenticated else public_etag(
        alliance.id, alliance.name, [(r.id, r.status, r.title) for r in rounds],
        latest_release_stamp(demand_round.id) if demand_round else None)

    def render() -> str:
        snapshot = latest_snapshot(demand_round.id, view="lead" if lead else "public") if demand_round else None
        view = view_for(snapshot, lead) if snapshot else None
        charts = {c["cpv_code"]: demand_charts(view, c) for c in view["categories"]} if view else {}
        return render_template(
            "signals/dashboard.html", alliance=alliance, lead=lead, rounds=rounds, demand_round=demand_round,
            snapshot=snapshot, view=view, charts=charts, matrix=matrix,
        )

    return cached_page(etag, render)


def matrix(view: View, code: str) -> tuple[list[str], list[str], dict]:
    """Quarters, countries and the cells of one category, for a quarter × country table."""
    cells = {(c["quarter"], c["country"]): c for c in view["cells"] if c["category"] == code}
    quarters = sorted({q for q, _ in cells})
    countries = sorted({c for _, c in cells}, key=country_label)  # shown by name, so sorted by name
    return quarters, countries, cells


@bp.route("/alliances/<slug>/signals/<int:round_id>/compile", methods=["POST"])
@login_required
def compile_round(slug: str, round_id: int):
    alliance = led_alliance_or_403(slug)
    demand_round = db.first_or_404(
        sa.select(DemandRound).where(DemandRound.id == round_id, DemandRound.alliance_id == alliance.id)
    )
    pending = compile_now(demand_round.id)
    commit_and_dispatch()
    return redirect(url_for("signals.job", job_id=rq_job_id(pending)))


def _led_job(job_id: str):
    """The job's status and round when the current user leads the round's alliance; 404 otherwise
    (a job id says nothing to anyone else)."""
    status = compile_job_status(job_id)
    demand_round = job_round(status) if status else None
    if demand_round is None or not is_lead(current_user, demand_round.alliance_id):
        abort(404)
    return status, demand_round


@bp.route("/signals/jobs/<job_id>")
@login_required
def job(job_id: str):
    status, demand_round = _led_job(job_id)
    return render_template("signals/job.html", status=status, demand_round=demand_round,
                           alliance=demand_round.alliance)


@bp.route("/signals/jobs/<job_id>/retry", methods=["POST"])
@login_required
def retry(job_id: str):
    status, demand_round = _led_job(job_id)
    if status.status != "failed":
        return redirect(url_for("signals.job", job_id=job_id))
    pending = compile_now(demand_round.id)
    commit_and_dispatch()
    return redirect(url_for("signals.job", job_id=rq_job_id(pending)))
