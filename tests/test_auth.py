"""Accounts through the real forms: register, log in and out, change and reset a password."""

import re

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import MailMessage
from tests.factories import PASSWORD, csrf_token, email_of, login, make_user
from tests.mailbox import delivered


def test_form_without_csrf_token_is_refused(app, client):
    user_email = email_of(app, make_user(app))
    response = client.post("/auth/login", data={"email": user_email, "password": PASSWORD})
    assert response.status_code == 400


def test_login_same_answer_for_unknown_email_and_wrong_password(app, client):
    user_email = email_of(app, make_user(app))
    wrong = login(client, user_email, "wrong password!!").get_data(as_text=True)
    unknown = login(client, "nobody@example.test", "wrong password!!").get_data(as_text=True)
    assert "Wrong e-mail or password." in wrong and "Wrong e-mail or password." in unknown


def test_login_rotates_session_and_logout_ends_it(app, client):
    user_email = email_of(app, make_user(app))
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    assert login(client, user_email).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
    assert client.get("/auth/account").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/account")})
    assert client.get("/auth/account").status_code == 302


def test_login_is_rate_limited_per_account(app, client):
    user_email = email_of(app, make_user(app))
    statuses = [login(client, user_email, "wrong password!!").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    # other accounts from the same address are not locked by it
    other = email_of(app, make_user(app))
    assert login(client, other).status_code == 302


def test_change_password_logs_out_other_sessions(app):
    user_email = email_of(app, make_user(app))
    first, second = app.test_client(), app.test_client()
    login(first, user_email)
    login(second, user_email)
    new_password = "a brand new passphrase"
    response = first.post("/auth/account", data={
        "current_password": PASSWORD, "password": new_password, "confirm": new_password,
        "csrf_token": csrf_token(first, "/auth/account"),
    })
    assert response.status_code == 302
    assert first.get("/auth/account").status_code == 200
    assert second.get("/auth/account").status_code == 302
    assert login(app.test_client(), user_email, new_password).status_code == 302


def test_password_reset_by_mailed_link(app, client, run_worker):
    user_email = email_of(app, make_user(app))
    client.post("/auth/reset", data={"email": user_email, "csrf_token": csrf_token(client, "/auth/reset")})
    client.post("/auth/reset", data={"email": "nobody@example.test", "csrf_token": csrf_token(client, "/auth/reset")})
    run_worker()
    with app.app_context():
        mails = db.session.scalars(sa.select(MailMessage)).all()
        assert [m.recipient for m in mails] == [user_email]
        assert mails[0].sent_at is not None
    link = re.search(r"http://\S+/auth/reset/\S+", delivered(app, user_email)[-1]).group(0)
    path = link.split("127.0.0.1:5000", 1)[1]
    new_password = "reset passphrase 123"
    response = client.post(path, data={"password": new_password, "confirm": new_password,
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert login(app.test_client(), user_email, new_password).status_code == 302
    # the link works once: the password change invalidated it
    assert client.get(path).status_code == 302


def test_production_password_hash_is_scrypt_2_17():
    from config import Config

    method = Config().PASSWORD_HASH_METHOD
    assert method.startswith("scrypt:") and int(method.split(":")[1]) >= 2**17


def test_login_form_and_api_token_share_one_budget_per_account(app, client):
    user_email = email_of(app, make_user(app))
    api = app.test_client()
    for _ in range(3):
        assert login(client, user_email, "wrong password!!").status_code == 200
    for _ in range(2):
        assert api.post("/api/v1/auth/token", json={"email": user_email, "password": "wrong"}).status_code == 401
    # five failures through either door: the sixth attempt is refused at both
    assert api.post("/api/v1/auth/token", json={"email": user_email, "password": PASSWORD}).status_code == 429
    assert login(client, user_email).status_code == 429


def test_successful_logins_do_not_use_up_the_budget(app, client):
    user_email = email_of(app, make_user(app))
    api = app.test_client()
    for _ in range(6):
        assert api.post("/api/v1/auth/token", json={"email": user_email, "password": PASSWORD}).status_code == 200
    assert login(client, user_email).status_code == 302
