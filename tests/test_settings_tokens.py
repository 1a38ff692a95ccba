"""API tokens in settings: create (shown once), list, use, revoke; only a hash is stored."""

import re

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import ApiToken, AuditEvent
from tests.factories import csrf_token, email_of, login, make_pledging_round, make_summary, make_user


def _create(client, name="Nightly export"):
    return client.post("/settings/tokens", data={"csrf_token": csrf_token(client, "/settings/tokens"), "name": name})


def test_token_is_shown_once_and_only_its_hash_is_stored(app, client):
    login(client, email_of(app, make_user(app)))
    response = _create(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = re.search(r'value="(alc_[^"]+)"', html).group(1)
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert row.token_hash != token and token not in row.token_hash and row.prefix == token[:10]
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == row.id)) == \
            "api_token.created"
    listing = client.get("/settings/tokens").get_data(as_text=True)
    assert token not in listing and f"{token[:10]}…" in listing and "never" in listing
    # The token works, and "last used" shows it.
    assert client.get("/api/v1/summaries", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert "never" not in client.get("/settings/tokens").get_data(as_text=True)


def test_revoked_token_gets_401(app, client):
    world = make_pledging_round(app)
    draft_id = make_summary(app, world, status="draft")
    login(client, world.lead)
    token = re.search(r'value="(alc_[^"]+)"', _create(client).get_data(as_text=True)).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/summaries/{draft_id}", headers=headers).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    response = client.post(f"/settings/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token(client, "/settings/tokens")})
    assert response.status_code == 302
    assert "No active tokens." in client.get("/settings/tokens").get_data(as_text=True)
    refused = client.get(f"/api/v1/summaries/{draft_id}", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"


def test_nobody_revokes_another_users_token_and_names_are_required(app, client):
    owner = make_user(app)
    login(client, email_of(app, owner))
    _create(client)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    other = app.test_client()
    login(other, email_of(app, make_user(app)))
    other.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(other, "/settings/tokens")})
    assert "No such active token." in other.get("/settings/tokens").get_data(as_text=True)
    assert "Nightly export" not in other.get("/settings/tokens").get_data(as_text=True)
    blank = _create(client, name="  ")
    assert "Name the token" in blank.get_data(as_text=True)
    no_csrf = client.post(f"/settings/tokens/{token_id}/revoke")
    assert no_csrf.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
        assert db.session.scalar(sa.select(ApiToken.revoked_at)) is None


def test_settings_need_a_login_and_the_account_page_links_them(app, client):
    assert client.get("/settings/tokens").status_code == 302
    login(client, email_of(app, make_user(app)))
    assert 'href="/settings/tokens"' in client.get("/auth/account").get_data(as_text=True)
