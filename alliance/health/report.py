"""What /healthz and the admin page report: the database, Redis and the queue, the outbox, and whether
every open round's signals were compiled recently.

Confidentiality: exact compile times, queue depths and round ids would date pledge edits (an edit is
followed by a compile a few seconds later), so everyone gets up/down and yes/no answers, and only
platform admins (or a caller with HEALTH_TOKEN) get the figures.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from alliance.extensions import db
from alliance.models import Alliance, DemandRound, Pledge, Snapshot
from alliance.models.base import utcnow
from alliance.queue import outbox_health, queue_health

# A pledge change is compiled within seconds, and every open round nightly; a change still waiting after
# this long means the schedule or the workers are stuck.
COMPILE_FRESH_FOR = timedelta(hours=26)
# Work due this long ago and still not started means no worker or no scheduler is running.
BACKLOG_STUCK_AFTER_SECONDS = 300


@dataclass
class HealthReport:
    database: str = "ok"
    detail: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        """Whether this instance can serve requests: only the database is essential (without Redis,
        background work waits in the outbox)."""
        return self.database == "ok"

    @property
    def status(self) -> str:
        if not self.healthy:
            return "down"
        return "ok" if all(self.checks.values()) else "degraded"

    def as_dict(self, with_detail: bool) -> dict:
        answer = {"status": self.status, "database": self.database, "checks": self.checks}
        if with_detail:
            answer["detail"] = self.detail
        return answer


def health_report() -> HealthReport:
    """Check each part; never raises (a part that cannot be reached is reported as down)."""
    report = HealthReport()
    queue = queue_health()
    report.checks["redis"] = queue["redis"] == "ok"
    report.detail["queue"] = queue
    if queue["redis"] == "ok":
        oldest = queue["oldest_queued_seconds"]
        report.checks["queue_moving"] = oldest is None or oldest < BACKLOG_STUCK_AFTER_SECONDS
    try:
        db.session.execute(sa.text("SELECT 1"))
        outbox = outbox_health()
        compiles = open_round_compiles()
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        db.session.rollback()
        report.database = "down"
        return report
    report.detail["outbox"] = outbox
    report.detail["open_rounds"] = compiles
    oldest = outbox["oldest_waiting_seconds"]
    report.checks["outbox_moving"] = oldest is None or oldest < BACKLOG_STUCK_AFTER_SECONDS
    report.checks["signals_fresh"] = all(round_["fresh"] for round_ in compiles)
    return report


def open_round_compiles() -> list[dict]:
    """Each open round with its last successful compile (the newest snapshot) and whether it is fresh.

    Fresh: compiled once, and no pledge change has waited COMPILE_FRESH_FOR for a compile. Not "compiled
    within 26 hours": a compile of unchanged pledges writes no snapshot, so on a quiet round the public
    yes/no would turn "no" 26 hours after the last edit and back to "yes" the minute of the next one.
    """
    last = (
        sa.select(Snapshot.round_id, sa.func.max(Snapshot.compiled_at).label("compiled_at"))
        .group_by(Snapshot.round_id).subquery()
    )
    changed = (
        sa.select(Pledge.round_id, sa.func.max(Pledge.updated_at).label("changed_at"))
        .group_by(Pledge.round_id).subquery()
    )
    rows = db.session.execute(
        sa.select(DemandRound.id, Alliance.slug, last.c.compiled_at, changed.c.changed_at)
        .join(Alliance, Alliance.id == DemandRound.alliance_id)
        .outerjoin(last, last.c.round_id == DemandRound.id)
        .outerjoin(changed, changed.c.round_id == DemandRound.id)
        .where(DemandRound.status == "open").order_by(DemandRound.id)
    ).all()
    now = utcnow()
    return [
        {"round_id": round_id, "alliance": slug,
         "last_compiled_at": compiled_at.isoformat() if compiled_at else None,
         "fresh": compiled_at is not None and not _waiting_too_long(changed_at, compiled_at, now)}
        for round_id, slug, compiled_at, changed_at in rows
    ]


def _waiting_too_long(changed_at, compiled_at, now) -> bool:
    """Whether a pledge change newer than the last compile has waited longer than COMPILE_FRESH_FOR."""
    return changed_at is not None and changed_at > compiled_at and now - changed_at >= COMPILE_FRESH_FOR
