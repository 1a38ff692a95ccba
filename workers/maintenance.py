"""Housekeeping jobs run by the cron scheduler."""

from alliance.queue import dispatch_pending_jobs, requeue_stalled_jobs
from workers.context import job, job_logger


@job
def dispatch_pending() -> int:
    """Every minute: enqueue work that waited in the database while Redis was unreachable, and retry
    jobs whose worker was lost (the status page then stops saying "running")."""
    requeue_stalled_jobs()
    count = dispatch_pending_jobs()
    if count:
        job_logger(__name__).info("dispatched %d pending job(s)", count)
    return count
