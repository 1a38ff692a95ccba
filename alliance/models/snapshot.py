import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow


class Snapshot(db.Model):
    """Compiled market signals of a round; immutable once written.

    `lead_data` holds every figure with the suppression marks (alliance leads only); `public_data` is the
    disclosure-controlled view built at the same time, so no reader can skip disclosure control.
    `watermark` identifies the pledge rows the compile saw (a re-run on unchanged pledges gives the same);
    it is internal (it counts and dates pledges) and never goes into public_data.

    Release control (alliance.signals.releases): a snapshot whose public view passed the checks against every
    earlier release of its round has the next `release_number`; the public reads only released snapshots.
    A held snapshot has no number and a `held_reason` for the leads.
    """

    __tablename__ = "snapshot"
    __table_args__ = (
        sa.Index("ix_snapshot_round_compiled", "round_id", "compiled_at"),
        sa.UniqueConstraint("round_id", "release_number"),
    )

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
    release_number: Mapped[int | None]
    released_at: Mapped[object | None] = mapped_column(UTCDateTime)
    held_reason: Mapped[str | None] = mapped_column(sa.Text)

    demand_round: Mapped["DemandRound"] = relationship()  # noqa: F821


class ReleaseContribution(db.Model):
    """Private: one buyer's submitted totals in one base cell of a released snapshot.

    Release control subtracts these from the current pledges to find who changed what since each release.
    Read only by alliance.signals.releases; never shown, exported or logged.

    A release writes ~50k rows in one INSERT … SELECT and they are only read by snapshot, so the table
    keeps one index (snapshot_id) and nothing per row: no surrogate key (the mapper's identity is the row's
    natural key) and no foreign key, whose check per row cost four times the copy itself. Snapshots are
    never deleted by the application (they go only with their round, which it never deletes either);
    whoever deletes one by hand deletes its contributions too.
    """

    __tablename__ = "release_contribution"

    snapshot_id: Mapped[int] = mapped_column(index=True)
    category_id: Mapped[int] = mapped_column()
    quarter: Mapped[str] = mapped_column(sa.String(7))
    country: Mapped[str] = mapped_column(sa.String(2))
    level: Mapped[str] = mapped_column(sa.String(16))
    criteria_set_id: Mapped[int] = mapped_column()
    organisation_id: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column(sa.BigInteger)
    value_minor: Mapped[int] = mapped_column(sa.BigInteger)

    __mapper_args__ = {"primary_key": [snapshot_id, organisation_id, category_id, quarter, country, level,
                                       criteria_set_id]}
