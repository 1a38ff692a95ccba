"""What each user wants to hear about, per kind of notification, in the app and by e-mail."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from alliance.extensions import db

# kind → (who it is for, what it says). Without a stored preference a user gets both in-app and e-mail.
KINDS = {
    "summary_published": _l("A demand summary is published in a sector or CPV code you subscribed to"),
    "dialogue_opened": _l("A market dialogue opens in a sector or CPV code you subscribed to"),
    "dialogue_answered": _l("A question is answered in a market dialogue you follow"),
    "round_closing": _l("A demand round of your alliance closes in a few days"),
    "membership": _l("An organisation asks to join an alliance you lead, or your organisation's request is decided"),
}


class NotificationPreference(db.Model):
    """A user's choice for one kind of notification. No row means: in-app and e-mail."""

    __tablename__ = "notification_preference"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)


def preferences_of(user_id: int) -> dict[str, tuple[bool, bool]]:
    """kind → (in_app, email) for every kind, defaults filled in."""
    stored = {
        row.kind: (row.in_app, row.email)
        for row in db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    }
    return {kind: stored.get(kind, (True, True)) for kind in KINDS}


def set_preferences(user_id: int, choices: dict[str, tuple[bool, bool]]) -> None:
    """Store the user's choices (kind → (in_app, email)); unknown kinds are ignored. Flushes."""
    existing = {
        row.kind: row
        for row in db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    }
    for kind, (in_app, email) in choices.items():
        if kind not in KINDS:
            continue
        row = existing.get(kind) or NotificationPreference(user_id=user_id, kind=kind)
        row.in_app, row.email = bool(in_app), bool(email)
        db.session.add(row)
    db.session.flush()
