"""Test data helpers. Each opens its own app context, commits, and returns plain ids."""

import itertools

from alliance.auth.accounts import create_user
from alliance.extensions import db
from alliance.models import Alliance, Membership, Organisation

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_organisation(app, kind="buyer", verified=True, country="SE", name=None, sme=False) -> int:
    with app.app_context():
        org = Organisation(
            name=name or f"{kind.title()} organisation {next(_counter)}", kind=kind,
            org_type="municipality" if kind == "buyer" else "company", country=country, verified=verified, sme=sme,
        )
        db.session.add(org)
        db.session.commit()
        return org.id


def make_user(app, organisation_id=None, email=None, is_admin=False, kind="buyer", verified=True) -> int:
    organisation_id = organisation_id or make_organisation(app, kind=kind, verified=verified)
    with app.app_context():
        user = create_user(email or f"user{next(_counter)}@example.test", "Test User", PASSWORD,
                           db.session.get(Organisation, organisation_id), is_admin=is_admin)
        db.session.commit()
        return user.id


def make_alliance(app, slug="ict", sector="ict", k=3, p=80) -> int:
    with app.app_context():
        alliance = Alliance(slug=slug, name=f"{slug.upper()} alliance", sector=sector, charter="We buy better.", k=k, p=p)
        db.session.add(alliance)
        db.session.commit()
        return alliance.id


def add_member(app, alliance_id, organisation_id, role="member", status="active") -> int:
    with app.app_context():
        membership = Membership(alliance_id=alliance_id, organisation_id=organisation_id, role=role, status=status)
        db.session.add(membership)
        db.session.commit()
        return membership.id


def email_of(app, user_id) -> str:
    from alliance.models import User

    with app.app_context():
        return db.session.get(User, user_id).email


def login(client, email, password=PASSWORD):
    """Log in through the real form (CSRF included) and return the response."""
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})


def csrf_token(client, path) -> str:
    """The CSRF token of the form on the page at path."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def api_token(client, email, password=PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]
