"""What asks for signals to be compiled. The compile itself is workers.signals.compile_signals."""

from flask import current_app

from alliance.models import PendingJob
from alliance.queue import request_job


def compile_job_name(round_id: int) -> str:
    return f"compile_signals-round-{round_id}"


def pledges_changed(round_id: int) -> PendingJob:
    """Request a compile a short while after pledges change; a burst of changes compiles once."""
    return request_job(
        compile_job_name(round_id), "workers.signals.compile_signals", round_id,
        delay_seconds=current_app.config["SIGNALS_DEBOUNCE_SECONDS"],
    )


def compile_now(round_id: int) -> PendingJob:
    """Request a compile as soon as a worker is free (a lead asked, or the nightly schedule).

    Its own job name, so it is not folded into a debounced compile that waits for pledge edits to settle.
    """
    return request_job(compile_job_name(round_id) + "-now", "workers.signals.compile_signals", round_id)
