import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow

CRITERION_TYPES = {
    "selection": "Selection criterion",
    "specification": "Technical specification",
    "award": "Award criterion",
    "clause": "Contract performance clause",
}
LEVELS = {"core": "Core", "comprehensive": "Comprehensive"}


class Category(db.Model):
    """A product category: a CPV code (Regulation (EC) 213/2008) and a UN/CEFACT Rec. 20 unit."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    cpv_code: Mapped[str] = mapped_column(sa.String(10), unique=True)  # e.g. "30213100-6"
    name: Mapped[str] = mapped_column(sa.String(200))
    # French and Spanish names: empty until a public source for them is shipped (alliance/data/SOURCES.md).
    name_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    name_es: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The suggested unit; each alliance chooses its own (AllianceCategory). E.g. "H87" (piece), "PR" (pair).
    unit: Mapped[str] = mapped_column(sa.String(3))
    sector: Mapped[str] = mapped_column(sa.String(20), index=True)  # "" for the uncurated CPV codes

    def __repr__(self) -> str:
        return f"<Category {self.cpv_code} {self.name!r}>"


class AllianceCategory(db.Model):
    """The unit an alliance counts a category in (UN/CEFACT Rec. 20 code), chosen by its leads."""

    __tablename__ = "alliance_category"
    __table_args__ = (sa.UniqueConstraint("alliance_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("alliance.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"))
    unit: Mapped[str] = mapped_column(sa.String(3))

    category: Mapped[Category] = relationship()


class CriteriaSet(db.Model):
    """One version of an alliance's criteria for a category. Published versions never change."""

    __tablename__ = "criteria_set"
    __table_args__ = (
        sa.UniqueConstraint("alliance_id", "category_id", "version"),
        sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("alliance.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("criteria_set.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[object | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[object | None] = mapped_column(UTCDateTime)

    alliance: Mapped["Alliance"] = relationship()  # noqa: F821
    category: Mapped[Category] = relationship()
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="criteria_set", order_by="Criterion.position", cascade="all, delete-orphan"
    )


class Criterion(db.Model):
    """A criterion as procurers use it, with its verification and the published source it comes from."""

    __tablename__ = "criterion"
    __table_args__ = (
        sa.UniqueConstraint("criteria_set_id", "code"),
        sa.CheckConstraint("type IN ('selection', 'specification', 'award', 'clause')", name="type"),
        sa.CheckConstraint("level IN ('core', 'comprehensive')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria_set.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    type: Mapped[str] = mapped_column(sa.String(16))
    level: Mapped[str] = mapped_column(sa.String(16))
    verification: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(300))  # the published document
    source_section: Mapped[str] = mapped_column(sa.String(120), default="")
    source_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # Optional cited impact factor, e.g. 0.017 "kg CO2e per dose" from a named source.
    impact_factor: Mapped[float | None] = mapped_column(sa.Float)
    impact_unit: Mapped[str] = mapped_column(sa.String(80), default="")
    impact_source: Mapped[str] = mapped_column(sa.String(500), default="")
    # How the text relates to the source: "source" (its own words), "translation" (the project's
    # translation), "summary" (the project's summary) or "missing" (the official wording was not available).
    wording: Mapped[str] = mapped_column(sa.String(12), default="source", server_default="source")
    # The language the title, text and verification are written in (ISO 639-1, e.g. "en", "sv"): criteria
    # keep their source's language, and pages say which it is when it is not the reader's.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    # Criteria of one set that share a topic are alternatives (e.g. warranty of 1, 2 or 3 years): a lead keeps one.
    topic: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="criteria")
