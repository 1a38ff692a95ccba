"""Writing notifications: one in-app row and one e-mail per event and user, whatever the retries.

Called by the jobs in workers.notifications after the event's transaction committed. Texts name the
event and link to it; they never carry a buyer's volume.

Each text is written in its recipient's language (User.locale, else English) when the event happens:
the callers pass lazy messages (`_l("…", name=…)`) and they are rendered here under the recipient's
locale. A notification row belongs to exactly one user, its only reader, so rendering it once is enough
and needs no message ids or parameters in the database; the mail and the in-app text read the same.
Someone who changes language later reads older notifications in the language they had then.
"""

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from alliance.extensions import db
from alliance.language.recipients import written_for
from alliance.mail import queue_mail
from alliance.models import Notification, User
from alliance.notifications.preferences import KINDS, preferences_of
from alliance.public_address import public_url


def notify(user: User, kind: str, event_key: str, title, body, path: str) -> tuple[bool, bool]:
    """Notify user of one event as the user chose; returns (in_app written, e-mail queued).

    title and body: lazy messages (or plain text), rendered in the user's language.

    event_key names the event (e.g. "summary-published-12"); the mail's key adds the user, because
    MailMessage.event_key is unique across users. A second call for the same event adds nothing, and a
    concurrent one fails its savepoint on the unique constraints instead of writing a duplicate.
    """
    assert kind in KINDS, kind
    if not user.is_active:
        return False, False
    in_app, email = preferences_of(user.id)[kind]
    wrote = mailed = False
    base = current_app.config["BASE_URL"].rstrip("/")
    with written_for(user):
        title, body = str(title), str(body)
        footer = _("Choose what you hear about: %(link)s", link=public_url("notifications.preferences"))
    if in_app:
        wrote = _insert_once(lambda: _add_notification(user.id, kind, event_key, title, body, path))
    if email:
        text = f"{body}\n\n{base}{path}\n\n{footer}\n"
        mailed = _insert_once(lambda: queue_mail(user.email, title, text, event_key=f"{event_key}-user-{user.id}"))
    return wrote, mailed


def _add_notification(user_id, kind, event_key, title, body, path) -> Notification | None:
    exists = db.session.scalar(
        sa.select(Notification.id).where(Notification.user_id == user_id, Notification.event_key == event_key)
    )
    if exists:
        return None
    row = Notification(user_id=user_id, kind=kind, event_key=event_key, title=title[:200], body=body, url=path)
    db.session.add(row)
    db.session.flush()
    return row


def _insert_once(insert) -> bool:
    try:
        with db.session.begin_nested():
            return insert() is not None
    except IntegrityError:
        return False  # another run wrote it first


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
