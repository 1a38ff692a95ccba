import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow

BUYER_TYPES = {
    "municipality": "Municipality",
    "region": "Region",
    "ministry": "Ministry",
    "agency": "Public agency",
    "hospital": "Hospital",
    "university": "University",
    "central_purchasing_body": "Central purchasing body",
}
SUPPLIER_TYPES = {"company": "Company", "cooperative": "Cooperative", "social_enterprise": "Social enterprise"}


class Organisation(db.Model):
    """A buyer (public body) or a supplier. Buyers pledge only once a platform admin verified them."""

    __tablename__ = "organisation"
    __table_args__ = (
        sa.UniqueConstraint("name", "country"),
        sa.CheckConstraint("kind IN ('buyer', 'supplier')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16))
    org_type: Mapped[str] = mapped_column(sa.String(32))
    country: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    verified: Mapped[bool] = mapped_column(default=False)
    sme: Mapped[bool] = mapped_column(default=False)
    # Set by a platform admin once checked: confirmed users with an address here see the organisation first.
    email_domain: Mapped[str | None] = mapped_column(sa.String(253), unique=True)
    # A registered identifier, e.g. scheme "SE-BLV" (org-id.guide list code) and the organisation number.
    # Empty when unknown: exports then leave the identifier out rather than invent one.
    identifier_scheme: Mapped[str] = mapped_column(sa.String(20), default="")
    identifier: Mapped[str] = mapped_column(sa.String(60), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")  # noqa: F821

    @property
    def is_buyer(self) -> bool:
        return self.kind == "buyer"

    @property
    def is_supplier(self) -> bool:
        return self.kind == "supplier"

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
