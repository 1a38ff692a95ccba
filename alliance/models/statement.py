import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow
from alliance.models.edition import EDITION_STATUSES, EditionColumns

DEFAULT_LEGAL_NATURE = (
    "This joint statement expresses the signatories' intention to buy according to the commitments above. "
    "It is not a purchase commitment, a contract, a tender or a framework agreement: each signatory buys "
    "under its own procedures and the public procurement law that applies to it, and no supplier acquires "
    "any right from it."
)


class JointStatement(EditionColumns, db.Model):
    """One edition of a round's joint statement of demand. A published edition never changes; the next
    edition (same round, edition + 1) supersedes it, and signatures belong to the edition that was signed."""

    __tablename__ = "joint_statement"
    __table_args__ = (
        sa.CheckConstraint(EDITION_STATUSES, name="status"),
        sa.UniqueConstraint("round_id", "edition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("demand_round.id", ondelete="CASCADE"), index=True)
    preamble: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown with cited evidence, sanitised
    market_conditions: Mapped[str] = mapped_column(sa.Text, default="")  # conditions and unmet needs, Markdown
    working_group: Mapped[str] = mapped_column(sa.Text, default="")  # the working group and its coordinators
    legal_nature: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_LEGAL_NATURE)
    statement_date: Mapped[object | None] = mapped_column(sa.Date)
    # The round's published summary whose disclosure-controlled figures the statement cites.
    summary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demand_summary.id"))

    demand_round: Mapped["DemandRound"] = relationship()  # noqa: F821
    summary: Mapped["DemandSummary | None"] = relationship()  # noqa: F821
    commitments: Mapped[list["StatementCommitment"]] = relationship(
        back_populates="statement", order_by="StatementCommitment.position", cascade="all, delete-orphan"
    )
    signatures: Mapped[list["StatementSignature"]] = relationship(
        back_populates="statement", order_by="StatementSignature.signed_at", cascade="all, delete-orphan"
    )


class StatementCommitment(db.Model):
    """A quantified, dated commitment: from `from_year`, at least `share_percent` % of what the signatories
    buy of the criteria set's category meets it at `level`."""

    __tablename__ = "statement_commitment"
    __table_args__ = (
        sa.CheckConstraint("share_percent >= 1 AND share_percent <= 100", name="share_range"),
        sa.CheckConstraint("level IN ('core', 'comprehensive')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("joint_statement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    criteria_set_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria_set.id"))
    share_percent: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(16))
    from_year: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    statement: Mapped[JointStatement] = relationship(back_populates="commitments")
    criteria_set: Mapped["CriteriaSet"] = relationship()  # noqa: F821


class StatementSignature(db.Model):
    """A buyer organisation's signature of one published edition: who signed and when, and who withdrew it."""

    __tablename__ = "statement_signature"
    __table_args__ = (sa.UniqueConstraint("statement_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("joint_statement.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    signed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    signed_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[object | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    statement: Mapped[JointStatement] = relationship(back_populates="signatures")
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    signed_by: Mapped["User"] = relationship(foreign_keys=[signed_by_id])  # noqa: F821
