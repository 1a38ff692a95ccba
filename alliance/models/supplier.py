import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow

READINESS = {"meets": "Meets now", "by_date": "Can meet by a date", "cannot": "Cannot meet"}


class ReadinessDeclaration(db.Model):
    """A supplier organisation's readiness for one criterion, with evidence (a label, a note)."""

    __tablename__ = "readiness_declaration"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "criterion_id"),
        sa.CheckConstraint("status IN ('meets', 'by_date', 'cannot')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criterion.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    ready_by: Mapped[object | None] = mapped_column(sa.Date)
    evidence_label: Mapped[str] = mapped_column(sa.String(120), default="")
    evidence_reference: Mapped[str] = mapped_column(sa.String(500), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    criterion: Mapped["Criterion"] = relationship()  # noqa: F821


class DeclarationRevision(db.Model):
    """History of a readiness declaration, like PledgeRevision."""

    __tablename__ = "declaration_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("readiness_declaration.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    changed_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)


class Subscription(db.Model):
    """A user's interest in a sector or a CPV code prefix (e.g. "302" for computer equipment)."""

    __tablename__ = "subscription"
    __table_args__ = (sa.UniqueConstraint("user_id", "sector", "cpv_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    sector: Mapped[str] = mapped_column(sa.String(20), default="")
    cpv_prefix: Mapped[str] = mapped_column(sa.String(10), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
