import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow
from alliance.models.organisation import Organisation

SECTORS = {"ict": "ICT", "health": "Health", "construction": "Construction", "food": "Food"}


class Alliance(db.Model):
    """A sector alliance of buyers. k and p set its disclosure control (see DESIGN.md)."""

    __tablename__ = "alliance"
    __table_args__ = (
        sa.CheckConstraint("k >= 2", name="k_min"),
        sa.CheckConstraint("p > 0 AND p <= 100", name="p_range"),
        sa.CheckConstraint("protection_percent >= 1 AND protection_percent <= 100", name="protection_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[str] = mapped_column(sa.String(20), index=True)
    charter: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    k: Mapped[int] = mapped_column(default=3)  # minimum distinct buyers in a published cell
    p: Mapped[int] = mapped_column(default=80)  # a cell where one buyer holds more than p % is suppressed
    # Every figure hidden by the k or p rule stays uncertain by at least ± this % to anyone holding a release.
    protection_percent: Mapped[int] = mapped_column(default=20, server_default="20")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")  # ISO 4217, for estimated values
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="alliance", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Alliance {self.slug}>"


class Membership(db.Model):
    """An organisation's place in an alliance: a request (pending), a member or lead (active), or past."""

    __tablename__ = "membership"
    __table_args__ = (
        sa.UniqueConstraint("alliance_id", "organisation_id"),
        sa.CheckConstraint("role IN ('lead', 'member')", name="role"),
        sa.CheckConstraint("status IN ('pending', 'active', 'declined', 'left')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("alliance.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10), default="member")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    requested_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    alliance: Mapped[Alliance] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()
