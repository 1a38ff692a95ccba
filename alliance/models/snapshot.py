import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow


class Snapshot(db.Model):
    """Compiled market signals of a round; immutable once written.

    `lead_data` holds every figure with the suppression marks (alliance leads only); `public_data` is the
    disclosure-controlled view built at the same time, so no reader can skip disclosure control.
    `watermark` identifies the pledge rows the compile saw (a re-run on unchanged pledges gives the same).
    """

    __tablename__ = "snapshot"
    __table_args__ = (sa.Index("ix_snapshot_round_compiled", "round_id", "compiled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("demand_round.id", ondelete="CASCADE"))
    compiled_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    watermark: Mapped[str] = mapped_column(sa.String(120))
    pledge_count: Mapped[int] = mapped_column(default=0)
    k: Mapped[int]
    p: Mapped[int]
    lead_data: Mapped[dict] = mapped_column(sa.JSON)
    public_data: Mapped[dict] = mapped_column(sa.JSON)
    job_id: Mapped[str | None] = mapped_column(sa.String(120))

    demand_round: Mapped["DemandRound"] = relationship()  # noqa: F821
