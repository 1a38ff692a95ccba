"""Demand round jobs."""

from alliance.extensions import db
from alliance.rounds.operations import close_overdue_rounds as close_overdue
from workers.context import job, job_logger


@job
def close_overdue_rounds() -> list[int]:
    """Nightly: close open rounds whose closing day has passed (their pledges are then frozen). Idempotent."""
    closed = close_overdue()
    db.session.commit()
    if closed:
        job_logger(__name__).info("closed %d round(s): %s", len(closed), closed)
    return closed
