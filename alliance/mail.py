"""Outgoing e-mail: recorded in the mail_message outbox in the caller's transaction, sent by a job."""

import logging
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from alliance.extensions import db
from alliance.models import MailMessage
from alliance.models.base import utcnow
from alliance.queue import request_job

log = logging.getLogger(__name__)


def queue_mail(
    recipient: str, subject: str, body: str, event_key: str | None = None, secret_links: dict[str, str] | None = None,
) -> MailMessage | None:
    """Record a mail and request its sending. With an event_key already used, nothing is added (None).

    secret_links: every link that lets whoever reads it act as the recipient (password reset, e-mail
    confirmation, invitation), by name; the body marks where each goes as [[name]]. The outbox keeps them
    apart from the body, the admin outbox shows "[private link…]" in their place, and they are put into
    the mail only when it is sent, then forgotten.
    """
    for name in secret_links or {}:
        if not re.fullmatch(r"[A-Za-z0-9_]+", name) or f"[[{name}]]" not in body:
            raise ValueError(f"secret link {name!r} needs a [[{name}]] mark in the body")
    if event_key and db.session.scalar(sa.select(MailMessage.id).where(MailMessage.event_key == event_key)):
        return None
    message = MailMessage(recipient=recipient, subject=subject[:200], body=body, event_key=event_key,
                          secret_links=secret_links or None)
    db.session.add(message)
    db.session.flush()
    request_job(f"send_mail-{message.id}", "workers.mail.send_mail", message.id)
    return message


def deliver(message_id: int) -> bool:
    """Send one outbox mail through SMTP (or to the log when no MAIL_SERVER is set). Sends at most once."""
    claimed = db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.sent_at.is_(None))
        .values(sent_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        return False  # already sent: a job that runs twice sends once
    message = db.session.get(MailMessage, message_id)
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body_with_secrets())
    if not config.get("MAIL_SERVER"):
        # No SMTP server: the mail is written where only the server's operator reads it; the log gets
        # the body with secret links withheld (logs travel further than the server's disk).
        folder = Path(config.get("MAIL_FOLDER") or Path(current_app.instance_path) / "mail")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{message.id}.eml"
        path.write_bytes(bytes(email))
        log.info("Mail to %s: %s (saved as %s)\n%s", message.recipient, message.subject, path, message.readable_body)
    else:
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            message.sent_at = None  # let a retry send it
            message.error = str(error)[:2000]
            db.session.commit()
            raise
    if message.secret_links:
        message.secret_links = None  # delivered: the outbox need not keep a key to the account
        db.session.commit()
    return True
