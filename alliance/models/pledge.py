import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow


class Pledge(db.Model):
    """A buyer organisation's planned purchase in a round. Confidential: its organisation and leads only.

    `version` is SQLAlchemy's optimistic lock: an UPDATE that finds another version fails.
    """

    __tablename__ = "pledge"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("value_minor >= 0", name="value_not_negative"),
        sa.CheckConstraint("level IN ('core', 'comprehensive')", name="level"),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'withdrawn')", name="status"),
        sa.Index("ix_pledge_round_status", "round_id", "status"),
        sa.Index("ix_pledge_round_organisation", "round_id", "organisation_id"),
        # The round's latest pledge write, which tells a compile whether anything changed (signals.aggregation).
        sa.Index("ix_pledge_round_updated", "round_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("demand_round.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"))
    criteria_set_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria_set.id"))
    level: Mapped[str] = mapped_column(sa.String(16))
    quantity: Mapped[int] = mapped_column(sa.BigInteger)
    value_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # estimated value, minor currency units
    currency: Mapped[str] = mapped_column(sa.String(3))
    delivery_quarter: Mapped[str] = mapped_column(sa.String(7))
    country: Mapped[str] = mapped_column(sa.String(2))
    region: Mapped[str] = mapped_column(sa.String(16), default="")  # NUTS code, optional
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    category: Mapped["Category"] = relationship()  # noqa: F821
    criteria_set: Mapped["CriteriaSet"] = relationship()  # noqa: F821
    demand_round: Mapped["DemandRound"] = relationship()  # noqa: F821


class PledgeRevision(db.Model):
    """One change to a pledge: who, when, what (the pledge's fields after the change)."""

    __tablename__ = "pledge_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(16))  # created | updated | submitted | withdrawn | reinstated | imported
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    changed_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)

    changed_by: Mapped["User"] = relationship()  # noqa: F821
