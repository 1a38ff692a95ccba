"""Accounts and sessions under attack: forged Host headers, the admin outbox, copied cookies after logout,
revoked and expired tokens, lockout of a victim by a stranger who knows the e-mail, common passwords."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance import create_app
from alliance.extensions import db
from alliance.models import ApiToken, MailMessage, UserSession
from alliance.models.base import utcnow
from config import Config, TestConfig
from tests.factories import PASSWORD, api_token, csrf_token, email_of, login, make_user
from tests.mailbox import delivered

NEEDS_TOKEN = "/api/v1/pledges/2147483647"  # answers 401 without a working token, else 404
RESET_LINK = re.compile(r"https?://\S+/auth/reset/[\w.-]+")


def _ask_reset(client, email, base_url="http://localhost", headers=None):
    html = client.get("/auth/reset", base_url=base_url, headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post("/auth/reset", base_url=base_url, headers=headers, data={"email": email, "csrf_token": token})


def _reset(client, path, password):
    return client.post(path, data={"password": password, "confirm": password, "csrf_token": csrf_token(client, path)})


def _change_password(client, new_password, current=PASSWORD):
    return client.post("/auth/account", data={"current_password": current, "password": new_password,
                                              "confirm": new_password, "csrf_token": csrf_token(client, "/auth/account")})


# --- Mailed links come from BASE_URL, never from the request ---------------------------------------------

def test_forged_host_never_reaches_the_mailed_link(app, client, run_worker):
    victim = email_of(app, make_user(app))
    assert _ask_reset(client, victim, base_url="http://evil.example").status_code == 302
    assert _ask_reset(app.test_client(), victim,
                      headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}).status_code == 302
    run_worker()
    mails = delivered(app, victim)
    assert len(mails) == 2
    for body in mails:
        assert "evil.example" not in body
        assert RESET_LINK.search(body).group(0).startswith(app.config["BASE_URL"] + "/auth/reset/")


def test_trusted_hosts_refuse_a_forged_host(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["alliance.example"])
    client = app.test_client()
    assert client.get("/auth/reset", base_url="http://evil.example").status_code == 400
    assert client.get("/auth/reset", base_url="http://alliance.example").status_code == 200


def test_base_url_follows_the_server_port_unless_set(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "5101")
    assert Config().BASE_URL == "http://127.0.0.1:5101"
    monkeypatch.setenv("BASE_URL", "https://alliance.example.org")
    assert Config().BASE_URL == "https://alliance.example.org"


def _proxied_app(app, proxies):
    config = TestConfig()
    config.SECRET_KEY = "test-secret-key"
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.REDIS_EMBEDDED_PATH = app.config["REDIS_EMBEDDED_PATH"]
    config.PROXY_COUNT = proxies
    return create_app(config)


@pytest.mark.parametrize("proxies", [0, 1])
def test_https_and_hsts_only_when_a_trusted_proxy_says_so(app, proxies):
    behind = _proxied_app(app, proxies)
    try:
        response = behind.test_client().get("/auth/login", headers={"X-Forwarded-Proto": "https"})
        assert ("Strict-Transport-Security" in response.headers) == (proxies == 1)
        direct = behind.test_client().get("/auth/login")
        assert "Strict-Transport-Security" not in direct.headers
        # Even a host named by a trusted proxy never reaches a mailed link.
        victim = email_of(app, make_user(app))
        _ask_reset(behind.test_client(), victim, headers={"X-Forwarded-Host": "evil.example"})
        with app.app_context():
            link = db.session.scalar(sa.select(MailMessage)).secret_links["reset_link"]
            assert link.startswith(app.config["BASE_URL"] + "/auth/reset/")
    finally:
        with behind.app_context():
            db.engine.dispose()


# --- The admin outbox never shows a secret link ---------------------------------------------------------

def test_admin_cannot_take_over_an_account_from_the_outbox(app, client, run_worker):
    lead = email_of(app, make_user(app))
    admin = app.test_client()
    login(admin, email_of(app, make_user(app, is_admin=True)))
    _ask_reset(admin, lead)  # the admin asks for the lead's reset link, hoping to read it
    with app.app_context():
        message_id = db.session.scalar(sa.select(MailMessage.id))
        stored = db.session.get(MailMessage, message_id)
        assert "/auth/reset/" not in stored.body and "[[reset_link]]" in stored.body
    for when in ("before sending", "after sending"):
        page = admin.get(f"/admin/mail/{message_id}").get_data(as_text=True)
        listing = admin.get("/admin/mail").get_data(as_text=True)
        assert "/auth/reset/" not in page + listing, when
        assert "private link, for the recipient only" in page, when
        run_worker()
    french = admin.get(f"/admin/mail/{message_id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "[lien privé, réservé au destinataire]" in french and "/auth/reset/" not in french
    with app.app_context():
        assert db.session.get(MailMessage, message_id).secret_links is None  # sent: not kept
    link = RESET_LINK.search(delivered(app, lead)[-1]).group(0)
    path = link.split(app.config["BASE_URL"], 1)[1]
    assert _reset(client, path, "a fresh passphrase for the lead").status_code == 302


def test_secret_links_need_their_mark_in_the_body(app):
    from alliance.mail import queue_mail

    with app.app_context():
        with pytest.raises(ValueError):
            queue_mail("a@example.test", "Join us", "Open https://x.example/join/secret", secret_links={"link": "x"})
        db.session.rollback()


# --- Sessions end on the server -------------------------------------------------------------------------

def test_copied_session_cookie_is_dead_after_logout(app, client):
    user_email = email_of(app, make_user(app))
    login(client, user_email)
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/auth/account").status_code == 200  # a copied cookie works while the session lives
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/account")})
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/auth/account").status_code == 302
    assert thief.get("/auth/account").status_code == 302


def test_sessions_end_after_session_days(app, client):
    login(client, email_of(app, make_user(app)))
    assert client.get("/auth/account").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(days=15)))
        db.session.commit()
    assert client.get("/auth/account").status_code == 302


def test_password_change_ends_other_sessions_and_revokes_tokens(app, client):
    user_email = email_of(app, make_user(app))
    other = app.test_client()
    login(client, user_email)
    login(other, user_email)
    token = api_token(app.test_client(), user_email)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(NEEDS_TOKEN, headers=headers).status_code == 404  # the token works: no such pledge
    assert _change_password(client, "a brand new passphrase").status_code == 302
    assert client.get("/auth/account").status_code == 200
    assert other.get("/auth/account").status_code == 302
    refused = client.get(NEEDS_TOKEN, headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"


def test_password_reset_ends_sessions_and_revokes_tokens(app, client, run_worker):
    user_email = email_of(app, make_user(app))
    attacker = app.test_client()
    login(attacker, user_email)  # someone who knew the old password
    token = api_token(attacker, user_email)
    _ask_reset(client, user_email)
    run_worker()
    path = RESET_LINK.search(delivered(app, user_email)[-1]).group(0).split(app.config["BASE_URL"], 1)[1]
    assert _reset(client, path, "reset passphrase 123").status_code == 302
    assert attacker.get("/auth/account").status_code == 302
    assert client.get(NEEDS_TOKEN, headers={"Authorization": f"Bearer {token}"}).status_code == 401


# --- API tokens -----------------------------------------------------------------------------------------

def test_expired_token_is_refused_and_not_listed(app, client):
    user_email = email_of(app, make_user(app))
    token = api_token(app.test_client(), user_email)
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        lifetime = row.expires_at - row.created_at
        assert timedelta(days=89) < lifetime <= timedelta(days=90, seconds=1)
    assert client.get(NEEDS_TOKEN, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    refused = client.get(NEEDS_TOKEN, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and "expired" in refused.get_json()["error"]["message"]
    login(client, user_email)
    assert "No active tokens." in client.get("/settings/tokens").get_data(as_text=True)


def test_token_endpoint_obeys_the_cap_on_active_tokens(app):
    from alliance.settings.tokens import MAX_ACTIVE_TOKENS

    user_email = email_of(app, make_user(app))
    api = app.test_client()
    for _ in range(MAX_ACTIVE_TOKENS):
        api_token(api, user_email)
    refused = api.post("/api/v1/auth/token", json={"email": user_email, "password": PASSWORD})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "too_many_tokens"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == MAX_ACTIVE_TOKENS


def test_authenticated_api_answers_are_not_stored(app, client):
    user_email = email_of(app, make_user(app))
    issued = client.post("/api/v1/auth/token", json={"email": user_email, "password": PASSWORD})
    assert issued.headers["Cache-Control"] == "no-store"
    token = issued.get_json()["token"]
    answer = client.get("/api/v1/alliances", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert "Authorization" in answer.headers["Vary"]
    public = client.get("/api/v1/alliances")
    assert "no-store" not in public.headers.get("Cache-Control", "") and "Authorization" in public.headers["Vary"]


# --- A stranger who knows the e-mail cannot lock its owner out ------------------------------------------

def test_stranger_cannot_lock_out_a_browser_that_logged_in_before(app):
    victim_email = email_of(app, make_user(app))
    victim = app.test_client()
    assert login(victim, victim_email).status_code == 302  # gets a device cookie
    victim.post("/auth/logout", data={"csrf_token": csrf_token(victim, "/auth/account")})
    stranger = app.test_client()
    statuses = [login(stranger, victim_email, "guess number one").status_code for _ in range(6)]
    assert statuses[-1] == 429  # the stranger is stopped ...
    assert login(app.test_client(), victim_email).status_code == 429  # ... and so is any new browser
    assert login(victim, victim_email).status_code == 302  # but the victim's own browser gets in
    # a device cookie is for its own account only: it does not lift another account's limit
    victim.post("/auth/logout", data={"csrf_token": csrf_token(victim, "/auth/account")})
    other_email = email_of(app, make_user(app))
    statuses = [login(victim, other_email, "guess number one").status_code for _ in range(6)]
    assert statuses[-1] == 429


def test_a_stolen_device_cookie_gets_its_own_lockout(app):
    victim_email = email_of(app, make_user(app))
    victim = app.test_client()
    login(victim, victim_email)
    thief = app.test_client()
    thief.set_cookie("alliance_device", victim.get_cookie("alliance_device").value)
    limit = int(app.config["LOGIN_LIMIT_PER_DEVICE"].split()[0])
    statuses = [login(thief, victim_email, "guess number one").status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit and statuses[limit] == 429


def test_forged_device_cookie_is_not_trusted(app):
    victim_email = email_of(app, make_user(app))
    stranger = app.test_client()
    stranger.set_cookie("alliance_device", "eyJhIjoiMTIzIiwibiI6Inh4In0.forged.signature")
    statuses = [login(stranger, victim_email, "guess number one").status_code for _ in range(6)]
    assert statuses[-1] == 429


# --- Common passwords -----------------------------------------------------------------------------------

@pytest.mark.parametrize("weak", ["password1234", "qwertyuiop123", "iloveyou2024!", "1qaz2wsx3edc4rfv"])
def test_common_passwords_are_refused_on_change(app, client, weak):
    login(client, email_of(app, make_user(app)))
    response = _change_password(client, weak)
    assert response.status_code == 200 and "common" in response.get_data(as_text=True).lower()


def test_password_made_of_own_email_is_refused_on_reset(app, client, run_worker):
    user_email = email_of(app, make_user(app, email="margarethe.lindqvist@example.test"))
    _ask_reset(client, user_email)
    run_worker()
    path = RESET_LINK.search(delivered(app, user_email)[-1]).group(0).split(app.config["BASE_URL"], 1)[1]
    response = _reset(client, path, "lindqvist1234")
    assert response.status_code == 200 and "Choose a longer phrase" in response.get_data(as_text=True)
    assert login(app.test_client(), user_email, "lindqvist1234").status_code == 200


def test_common_password_is_refused_on_registration(app, client):
    from alliance.models import User

    token = csrf_token(client, "/auth/register")
    response = client.post("/auth/register", data={"csrf_token": token, "name": "Ada", "email": "ada@city.example",
                                                   "password": "password123456", "confirm": "password123456"})
    assert response.status_code == 200 and "common" in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "ada@city.example")) is None


def test_create_user_refuses_a_common_password(app):
    from tests.test_admin import create_user_cli

    result = create_user_cli(app, "--email", "ops@town.example", "--name", "Ops", "--organisation", "Town",
                             "--country", "SE", "--kind", "buyer", "--password-stdin", password="qwertyuiop123\n")
    assert result.exit_code == 1 and "common" in result.output
