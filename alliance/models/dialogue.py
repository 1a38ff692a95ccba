import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow


class Dialogue(db.Model):
    """A preliminary market consultation opened by an alliance's leads on a round or a summary."""

    __tablename__ = "dialogue"
    __table_args__ = (sa.CheckConstraint("status IN ('open', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("alliance.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demand_round.id"))
    summary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demand_summary.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    closes_at: Mapped[object] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    alliance: Mapped["Alliance"] = relationship()  # noqa: F821
    demand_round: Mapped["DemandRound | None"] = relationship()  # noqa: F821
    summary: Mapped["DemandSummary | None"] = relationship()  # noqa: F821
    posts: Mapped[list["Post"]] = relationship(back_populates="dialogue", order_by="Post.created_at")


class Post(db.Model):
    """A question, answer, RFI question or RFI response. Responses are visible to leads only; question
    authors are shown to platform admins only."""

    __tablename__ = "post"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('question', 'answer', 'rfi', 'response')", name="kind"),
        sa.CheckConstraint("visibility IN ('public', 'leads')", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(sa.ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("post.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    visibility: Mapped[str] = mapped_column(sa.String(10), default="public")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    body: Mapped[str] = mapped_column(sa.Text)  # sanitised Markdown source
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    dialogue: Mapped[Dialogue] = relationship(back_populates="posts")
