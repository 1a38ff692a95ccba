"""Who hears about join requests: the deciders when one arrives, the requester when it is decided.

Called by the jobs in workers.organisations after commit; each returns how many users were notified.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

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
    title = _l("%(name)s asks to join %(organisation)s", name=join.user.name, organisation=join.organisation.name)
    body = _l("%(name)s (%(email)s) asks to become a member of %(organisation)s. Approve or refuse the request on "
              "the organisation's members page.", name=join.user.name, email=join.user.email,
              organisation=join.organisation.name)
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
    name = join.organisation.name
    if approved:
        title = _l("Your request to join %(organisation)s was approved", organisation=name)
        body = _l("You are now a member of %(organisation)s.", organisation=name)
    else:
        title = _l("Your request to join %(organisation)s was refused", organisation=name)
        body = _l("%(organisation)s refused your request to join. You may ask another organisation.", organisation=name)
    return int(any(notify(join.user, "membership", f"join-decided-{join.id}", title, body,
                          _path("organisations.start"))))
