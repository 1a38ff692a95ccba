import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow


class PendingJob(db.Model):
    """A background job recorded in the same transaction as the change that needs it.

    After commit it is pushed to RQ; if Redis is unreachable it waits here and the next sweep enqueues it,
    so no work is lost. `job_id` is stable (e.g. "compile_signals-round-7"), so a burst collapses into one.
    """

    __tablename__ = "pending_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(160), index=True)
    func: Mapped[str] = mapped_column(sa.String(160))  # dotted path of a function in workers/
    args: Mapped[list] = mapped_column(sa.JSON, default=list)
    run_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[object | None] = mapped_column(UTCDateTime, index=True)
