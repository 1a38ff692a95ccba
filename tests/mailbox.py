"""Read the mail the worker delivered: without MAIL_SERVER it writes each mail as a .eml file to MAIL_FOLDER."""

import email
import email.policy
from pathlib import Path


def delivered(app, recipient: str) -> list[str]:
    """Bodies of the mails delivered to recipient, oldest first, as the recipient reads them."""
    folder = Path(app.config["MAIL_FOLDER"])
    bodies = []
    for path in sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == recipient:
            bodies.append(message.get_content())
    return bodies
