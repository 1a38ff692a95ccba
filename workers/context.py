"""What every job needs: a clean database session and a logger that names the job."""

import functools
import logging

from rq import get_current_job

from alliance.extensions import db


class JobLogAdapter(logging.LoggerAdapter):
    def process(self, msg, kwargs):
        return f"[job {self.extra['job_id']}] {msg}", kwargs


def job_logger(name: str) -> logging.LoggerAdapter:
    job = get_current_job()
    return JobLogAdapter(logging.getLogger(name), {"job_id": job.id if job else "-"})


def job(func):
    """Run a job function in the worker's app context with a fresh session, rolled back on error."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        db.session.remove()
        try:
            return func(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()

    return wrapper


def report_progress(fraction: float, message: str = "") -> None:
    """Save progress (0..1) in the job's meta, for GET /api/v1/jobs/<id> and the signals page."""
    current = get_current_job()
    if current is None:
        return
    current.meta["progress"] = round(max(0.0, min(1.0, fraction)), 3)
    if message:
        current.meta["message"] = message
    current.save_meta()
