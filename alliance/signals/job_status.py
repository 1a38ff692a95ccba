"""The status of a compile job, for the job page and GET /api/v1/jobs/<id>."""

import re
from dataclasses import asdict, dataclass

from rq.job import JobStatus as RQStatus

from alliance.extensions import db
from alliance.models import DemandRound, PendingJob, Snapshot
from alliance.queue import COMPILE_SIGNALS_FUNC, fetch_job, job_stalled, rq_job_id

_STATUS = {
    RQStatus.QUEUED: "queued", RQStatus.DEFERRED: "queued", RQStatus.CREATED: "queued",
    RQStatus.READY_TO_ENQUEUE: "queued", RQStatus.RATE_LIMITED: "queued",
    RQStatus.SCHEDULED: "scheduled", RQStatus.STARTED: "running", RQStatus.FINISHED: "finished",
    RQStatus.FAILED: "failed", RQStatus.STOPPED: "failed", RQStatus.CANCELED: "failed",
}


@dataclass
class CompileJobStatus:
    id: str
    round_id: int
    status: str  # waiting | queued | scheduled | running | finished | failed
    progress: float | None = None
    message: str | None = None
    snapshot_id: int | None = None
    unchanged: bool = False  # finished by returning the snapshot that was already current
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed")


def compile_job_status(job_id: str) -> CompileJobStatus | None:
    """The status of a signals compile job by its RQ id, or None when no such compile job is known.

    A request still waiting in the outbox (Redis was unreachable) is "waiting"; progress comes from the
    job's meta (workers.context.report_progress); a failure carries the last line of the error.
    """
    rq_job = fetch_job(job_id)
    if rq_job is None:
        return _waiting(job_id)
    if rq_job.func_name != COMPILE_SIGNALS_FUNC or not rq_job.args:
        return None
    status = _STATUS.get(rq_job.get_status(refresh=True), "queued")
    result = CompileJobStatus(id=job_id, round_id=int(rq_job.args[0]), status=status,
                              progress=rq_job.meta.get("progress"), message=rq_job.meta.get("message"))
    if status == "running" and job_stalled(rq_job):
        # Its worker was lost: say so now rather than "running" until the sweep (within a minute) acts.
        if rq_job.retries_left:
            result.status, result.progress, result.message = "queued", 0.0, "The worker stopped; the compile will be retried."
        else:
            result.status, result.error = "failed", "The worker stopped before the compile finished."
        return result
    if status == "finished":
        result.snapshot_id = rq_job.return_value()
        result.progress = 1.0
        snapshot = db.session.get(Snapshot, result.snapshot_id) if result.snapshot_id else None
        result.unchanged = bool(snapshot and rq_job.started_at and snapshot.compiled_at < rq_job.started_at)
    elif status == "failed":
        latest = rq_job.latest_result()
        lines = (latest.exc_string or "").strip().splitlines() if latest is not None else []
        result.error = lines[-1] if lines else "The job stopped without finishing."
    return result


def _waiting(job_id: str) -> CompileJobStatus | None:
    match = re.fullmatch(r".+-([0-9]{1,9})", job_id)  # a longer number names no row (ids are 32-bit)
    pending = db.session.get(PendingJob, int(match.group(1))) if match else None
    if pending is None or pending.func != COMPILE_SIGNALS_FUNC or rq_job_id(pending) != job_id or not pending.args:
        return None
    if pending.enqueued_at is not None:  # pushed to Redis, which has since forgotten it
        return None
    return CompileJobStatus(id=job_id, round_id=int(pending.args[0]), status="waiting", progress=0.0)


def job_round(status: CompileJobStatus) -> DemandRound | None:
    return db.session.get(DemandRound, status.round_id)
