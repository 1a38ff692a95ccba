"""How a person becomes an active member of an organisation: a join request decided by an organisation
admin (or a platform admin), or an invitation mailed by an organisation admin.

`User.organisation_id` means "active member of this organisation" and is set only when a request is
approved or an invitation accepted, so every access check that reads it needs no second look here.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow
from alliance.models.organisation import Organisation
from alliance.models.user import User

JOIN_REQUEST_STATUSES = ("pending", "approved", "refused", "withdrawn")

class JoinRequest(db.Model):
    """A user's request to become a member of an organisation. Gives no rights until approved."""

    __tablename__ = "organisation_join_request"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'withdrawn')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

class Invitation(db.Model):
    """An organisation admin's invitation of an e-mail address. Only the token's SHA-256 is stored."""

    __tablename__ = "organisation_invitation"
    __table_args__ = (sa.CheckConstraint("role IN ('admin', 'member')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))  # stored lower-case
    role: Mapped[str] = mapped_column(sa.String(16), default="member")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    accepted_at: Mapped[object | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
