import re

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.extensions import db
from alliance.models.base import UTCDateTime, utcnow


class Notification(db.Model):
    """An in-app notification. (user_id, event_key) is unique so one event notifies a user once."""

    __tablename__ = "notification"
    __table_args__ = (sa.UniqueConstraint("user_id", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    event_key: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[object | None] = mapped_column(UTCDateTime)


class MailMessage(db.Model):
    """Outgoing e-mail. A unique event_key means one event sends one mail, however often a job runs."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str | None] = mapped_column(sa.String(160), unique=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[object | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    # Links that hand over an account (reset, confirmation, invitation), by the name the body gives them as
    # [[name]]; kept out of the body so the admin outbox never shows them, and dropped once the mail is sent.
    secret_links: Mapped[dict | None] = mapped_column(sa.JSON)

    WITHHELD = "[private link, for the recipient only]"

    @property
    def readable_body(self) -> str:
        """The body as an admin may read it: every secret link withheld, whether or not it was sent."""
        return self.body_withholding(self.WITHHELD)

    def body_withholding(self, placeholder: str) -> str:
        """The body with `placeholder` for every secret link; the outbox page passes it in the admin's language."""
        return re.sub(r"\[\[[A-Za-z0-9_]+\]\]", lambda _match: placeholder, self.body)

    def body_with_secrets(self) -> str:
        """The body as the recipient gets it."""
        body = self.body
        for name, link in (self.secret_links or {}).items():
            body = body.replace(f"[[{name}]]", link)
        return body
