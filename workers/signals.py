"""Signals jobs: compile a round's snapshot, and the nightly compile of every open round."""

from rq import get_current_job

from alliance.extensions import db
from alliance.queue import commit_and_dispatch
from alliance.signals import snapshots
from alliance.signals.triggers import compile_open_rounds_now
from workers.context import job, job_logger, report_progress


@job
def compile_signals(round_id: int) -> int:
    """Compile (or find unchanged) the round's snapshot in one transaction; returns the snapshot id."""
    log = job_logger(__name__)
    current = get_current_job()
    report_progress(0.05, "starting")
    snapshot = snapshots.compile_signals(round_id, job_id=current.id if current else None, progress=report_progress)
    db.session.commit()
    report_progress(1.0, "finished")
    # Counts and ids only: a buyer's volume never goes into a log line.
    log.info("round %s: snapshot %s from %s submitted pledge(s)", round_id, snapshot.id, snapshot.pledge_count)
    return snapshot.id


@job
def compile_open_rounds() -> int:
    """Request a compile of every open round (the nightly schedule); returns how many were requested."""
    round_ids = compile_open_rounds_now()
    commit_and_dispatch()
    job_logger(__name__).info("requested compiles for %d open round(s)", len(round_ids))
    return len(round_ids)
