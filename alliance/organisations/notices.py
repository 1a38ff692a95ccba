"""Who hears about join requests: the deciders when one arrives, the requester when it is decided.

Called by the jobs in workers.organisations after commit; each returns how many users were notified.
"""

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import JoinRequest, User
from alliance.notifications.delivery import notify
from alliance.notifications.fanout import _path


def _deciders(organisation_id: int) -> list[User]:
    admins = db.session.scalars(sa.select(User).where(
        User.organisation_id == organisation_id, User.organisation_role == "admin", User.disabled.is_(False),
    ).order_by(User.id)).all()
    return admins or db.session.scalars(
        sa.select(User).where(User.is_admin.is_(True), User.disabled.is_(False)).order_by(User.id)).all()


def join_requested(request_id: int) -> int:
    """Tell the organisation's admins (or, if it has none, the platform admins) of a new request."""
    join = db.session.get(JoinRequest, request_id)
    if join is None or join.status != "pending":
        return 0
    title = f"{join.user.name} asks to join {join.organisation.name}"
    body = (f"{join.user.name} ({join.user.email}) asks to become a member of {join.organisation.name}. "
            "Approve or refuse the request on the organisation's members page.")
    path = _path("organisations.manage", organisation_id=join.organisation_id)
    notified = 0
    for user in _deciders(join.organisation_id):
        notified += any(notify(user, "membership", f"join-requested-{join.id}", title, body, path))
    return notified


def join_decided(request_id: int) -> int:
    """Tell the requester that the request was approved or refused."""
    join = db.session.get(JoinRequest, request_id)
    if join is None or join.status not in ("approved", "refused"):
        return 0
    approved = join.status == "approved"
    title = f"Your request to join {join.organisation.name} was {'approved' if approved else 'refused'}"
    body = (f"You are now a member of {join.organisation.name}." if approved
            else f"{join.organisation.name} refused your request to join. You may ask another organisation.")
    return int(any(notify(join.user, "membership", f"join-decided-{join.id}", title, body,
                          _path("organisations.start"))))
