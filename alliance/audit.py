"""The audit log: who did what to which object. Never put a buyer's volumes in `detail`."""

from alliance.extensions import db
from alliance.models import AuditEvent, User


def record_event(actor: User | None, action: str, object_type: str, object_id: int | None, **detail) -> AuditEvent:
    """Add an audit event to the session (the caller commits with the change it describes)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None), organisation_id=getattr(actor, "organisation_id", None),
        action=action, object_type=object_type, object_id=object_id, detail=detail,
    )
    db.session.add(event)
    return event
