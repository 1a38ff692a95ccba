"""What asks for signals to be compiled. The compile itself is workers.signals.compile_signals."""

import sqlalchemy as sa
from flask import current_app

from alliance.extensions import db
from alliance.models import DemandRound, PendingJob
from alliance.queue import COMPILE_SIGNALS_FUNC, request_job


def compile_job_name(round_id: int) -> str:
    return f"compile_signals-round-{round_id}"


def pledges_changed(round_id: int) -> PendingJob:
    """Request a compile a short while after pledges change; a burst of changes compiles once."""
    return request_job(
        compile_job_name(round_id), COMPILE_SIGNALS_FUNC, round_id,
        delay_seconds=current_app.config["SIGNALS_DEBOUNCE_SECONDS"],
    )


def compile_now(round_id: int) -> PendingJob:
    """Request a compile as soon as a worker is free (a lead asked, or the nightly schedule).

    Its own job name, so it is not folded into a debounced compile that waits for pledge edits to settle.
    """
    return request_job(compile_job_name(round_id) + "-now", COMPILE_SIGNALS_FUNC, round_id)


def compile_open_rounds_now() -> list[int]:
    """Request a compile of every open round (the nightly schedule); returns their ids."""
    round_ids = list(db.session.scalars(sa.select(DemandRound.id).where(DemandRound.status == "open")))
    for round_id in round_ids:
        compile_now(round_id)
    return round_ids
