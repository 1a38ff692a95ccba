"""Demo step: a confirmed account waiting for Region Västerdal's admin (lead@ict.demo) to approve it."""

import sqlalchemy as sa

from alliance.auth.passwords import hash_password
from alliance.demo import DEMO_PASSWORD
from alliance.extensions import db
from alliance.models import JoinRequest, Organisation, User
from alliance.models.base import utcnow

JOINER_EMAIL = "joiner@ict.demo"
ORGANISATION = ("Region Västerdal", "SE")


def load() -> None:
    """Add the joiner and its pending request once; a decided request stays decided."""
    if db.session.scalar(sa.select(User.id).where(User.email == JOINER_EMAIL)) is not None:
        return
    organisation = db.session.scalar(sa.select(Organisation).where(
        Organisation.name == ORGANISATION[0], Organisation.country == ORGANISATION[1]))
    user = User(email=JOINER_EMAIL, name="Johan Ek", password_hash=hash_password(DEMO_PASSWORD),
                email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    db.session.add(JoinRequest(user_id=user.id, organisation_id=organisation.id,
                               message="I started in the procurement unit this month."))
    db.session.flush()
