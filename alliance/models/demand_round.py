import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow
from alliance.models.criteria import Category

round_category = sa.Table(
    "round_category",
    db.metadata,
    sa.Column("round_id", sa.ForeignKey("demand_round.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("category.id"), primary_key=True),
)


class DemandRound(db.Model):
    """A period in which an alliance's buyers pledge volumes. Quarters are strings like "2027-Q1"."""

    __tablename__ = "demand_round"
    __table_args__ = (sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("alliance.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    statement: Mapped[str] = mapped_column(sa.Text, default="")  # the joint statement of demand, Markdown
    opens_on: Mapped[object] = mapped_column(sa.Date)
    closes_on: Mapped[object] = mapped_column(sa.Date)
    delivery_from: Mapped[str] = mapped_column(sa.String(7))
    delivery_to: Mapped[str] = mapped_column(sa.String(7))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[object | None] = mapped_column(UTCDateTime)

    alliance: Mapped["Alliance"] = relationship()  # noqa: F821
    categories: Mapped[list[Category]] = relationship(secondary=round_category, order_by=Category.cpv_code)
