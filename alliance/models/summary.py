import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.edition import EDITION_STATUSES, EditionColumns

summary_criteria_set = sa.Table(
    "summary_criteria_set",
    db.metadata,
    sa.Column("summary_id", sa.ForeignKey("demand_summary.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("criteria_set_id", sa.ForeignKey("criteria_set.id"), primary_key=True),
)


class DemandSummary(EditionColumns, db.Model):
    """What leads publish to the market from a snapshot. A published summary never changes; a new
    edition (same series_id, edition + 1) supersedes it."""

    __tablename__ = "demand_summary"
    __table_args__ = (
        sa.CheckConstraint(EDITION_STATUSES, name="status"),
        sa.UniqueConstraint("series_id", "edition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[str] = mapped_column(sa.String(36), index=True)  # shared by all editions
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("alliance.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("demand_round.id"))
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("snapshot.id"))
    narrative: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown, rendered through nh3
    views: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # which aggregates to show

    alliance: Mapped["Alliance"] = relationship()  # noqa: F821
    demand_round: Mapped["DemandRound"] = relationship()  # noqa: F821
    snapshot: Mapped["Snapshot"] = relationship()  # noqa: F821
    criteria_sets: Mapped[list["CriteriaSet"]] = relationship(secondary=summary_criteria_set)  # noqa: F821
