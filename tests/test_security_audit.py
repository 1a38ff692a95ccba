"""Security audit: CSRF on every form route, no state change on GET, redirects, cookies, headers, rate
limits, XSS and formula injection in user text, and no 500 for junk posted to any form."""

import hashlib
import re
from itertools import product

import pytest
import sqlalchemy as sa
from flask import url_for

from alliance.extensions import db
from alliance.models import Organisation
from tests.factories import (
    PASSWORD,
    csrf_token,
    login,
    make_pledging_round,
    make_submitted_pledge,
    make_summary,
    make_user,
)

JUNK = ("", " ", "x" * 20000, "-1", "0", "99999999999999999999999", "1e400", "nan", "２", "<script>alert(1)</script>",
        "\x00", "2027-Q9", "=cmd|' /C calc'!A0")


def _world(app) -> dict:
    world = make_pledging_round(app)
    world.pledge_id = make_submitted_pledge(app, world.round_id, world.a_org, world.sets["30213100-6/v2"])
    world.summary_id = make_summary(app, world)
    with app.app_context():  # the dashboard's latest snapshot: a real compile, not the factory's fixed data
        from alliance.signals.snapshots import compile_signals

        compile_signals(world.round_id)
        db.session.commit()
    world.admin = _email(app, make_user(app, is_admin=True))
    return world


def _email(app, user_id):
    from tests.factories import email_of

    return email_of(app, user_id)


def _urls(app, world: dict, method: str) -> list[str]:
    values = {
        "slug": ["ict"], "round_id": [world.round_id], "pledge_id": [world.pledge_id],
        "set_id": [world.sets["30213100-6/v3"]], "criteria_set_id": [world.sets["30213100-6/v2"]],
        "criterion_id": [1], "summary_id": [world.summary_id], "membership_id": [1], "organisation_id": [1],
        "user_id": [1], "dialogue_id": [1], "notification_id": [1], "subscription_id": [1], "token_id": [1],
        "job_id": ["compile_signals-round-1-now-1"], "pending_id": [1], "message_id": [1], "series_id": ["x"],
        "edition": [1],
    }
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if method not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/"):
                continue
            args = [a for a in sorted(rule.arguments) if a not in rule.defaults or {}]
            choices = []
            for arg in args:
                converter = rule._converters[arg]
                items = getattr(converter, "items", None)  # any(...) converters
                choices.append(sorted(items) if items else values.get(arg, [1]))
            for combination in product(*choices):
                urls.append(url_for(rule.endpoint, **dict(zip(args, combination, strict=True))))
    return sorted(set(urls))


def _fingerprint(app) -> str:
    """A hash of every row of every table: equal before and after means nothing was written."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digest.update(repr((table.name, [tuple(row) for row in rows])).encode())
        db.session.remove()
    return digest.hexdigest()


def test_every_form_route_refuses_a_post_without_csrf_token(app):
    world = _world(app)
    urls = _urls(app, world, "POST")
    assert len(urls) > 30
    for role in ("lead", "admin"):
        client = app.test_client()
        login(client, world[role])
        before = _fingerprint(app)
        wrong = [(url, response.status_code) for url in urls
                 if (response := client.post(url, data={"version": "1", "title": "x" * 10})).status_code != 400]
        assert wrong == [], role
        assert _fingerprint(app) == before
    # A token of another session is no token.
    other = app.test_client()
    login(other, world.b)
    stolen = csrf_token(other, "/auth/account")
    client = app.test_client()
    login(client, world.lead)
    assert client.post(f"/alliances/ict/rounds/{world.round_id}/close", data={"csrf_token": stolen}).status_code == 400


@pytest.mark.parametrize("role", ["lead", "a", "admin", "supplier", "anonymous"])
def test_get_requests_change_nothing(app, role):
    world = _world(app)
    client = app.test_client()
    if role != "anonymous":
        login(client, world[role])
    client.get("/")  # let the login's own writes (last_login_at) settle first
    before = _fingerprint(app)
    errors = [(url, code) for url in _urls(app, world, "GET") if (code := client.get(url).status_code) >= 500]
    assert errors == []
    assert _fingerprint(app) == before


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
                                    "https://evil.example", "javascript:alert(1)", "/%09/evil.example"])
def test_login_next_never_leaves_the_site(app, target):
    user = _email(app, make_user(app))
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not re.match(r"^/[\s/\\]", location), location


def test_login_next_keeps_a_local_path(app):
    user = _email(app, make_user(app))
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", query_string={"next": "/pledges/?page=2"},
                           data={"email": user, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/pledges/?page=2"


def test_session_cookie_flags_and_rotation(app):
    user = _email(app, make_user(app))
    client = app.test_client()
    client.get("/auth/login")
    before = client.get_cookie("session")
    response = login(client, user)
    cookies = [value for name, value in response.headers.items() if name == "Set-Cookie" and value.startswith("session=")]
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert before is None or client.get_cookie("session").value != before.value


def test_login_is_rate_limited_per_account(app):
    user = _email(app, make_user(app))
    client = app.test_client()
    codes = []
    for _ in range(7):
        token = csrf_token(client, "/auth/login")
        codes.append(client.post("/auth/login", data={"email": user, "password": "wrong password",
                                                      "csrf_token": token}).status_code)
    assert codes[0] == 200 and codes[-1] == 429
    token = csrf_token(client, "/auth/login")
    assert client.post("/auth/login", data={"email": user, "password": PASSWORD, "csrf_token": token}).status_code == 429


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/static/style.css", "/healthz", "/api/v1/no-such",
                                  "/api/v1/alliances", "/auth/logout", "/api/v1/summaries/1.csv"])
def test_security_headers_on_every_response(app, client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_user_text_renders_inert(app):
    world = make_pledging_round(app)
    payload = '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'
    with app.app_context():
        db.session.get(Organisation, world.a_org).name = "A" + payload
        db.session.commit()
    make_submitted_pledge(app, world.round_id, world.a_org, world.sets["30213100-6/v2"])
    client = app.test_client()
    login(client, world.lead)
    for path in ("/alliances/ict", f"/alliances/ict/rounds/{world.round_id}",
                 f"/pledges/rounds/{world.round_id}/all", "/admin/organisations"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html, path


@pytest.mark.parametrize("role", ["lead", "a", "supplier", "admin"])  # one test per role: they run in parallel
def test_every_form_survives_junk(app, role):
    """Each form route, posted with a valid CSRF token and junk in every field it shows: never a 500."""
    world = _world(app)
    failures = []
    client = app.test_client()
    login(client, world[role])
    token = csrf_token(client, "/auth/account")
    for url in _urls(app, world, "POST"):
        if url.endswith(("/logout", "/account")):
            continue  # logging out or changing the password ends the session under test
        page = client.get(url)
        names = set(re.findall(r'name="([a-z_0-9-]+)"', page.get_data(as_text=True))) - {"csrf_token"} \
            if page.status_code == 200 else set()
        names |= {"version"}
        for junk in JUNK:
            response = client.post(url, data={"csrf_token": token, **dict.fromkeys(names, junk)})
            if response.status_code >= 500:
                failures.append((url, junk[:20], response.status_code))
    assert failures == []


def test_api_operations_survive_odd_json(app):
    world = _world(app)
    from tests.factories import api_token

    client = app.test_client()
    auth = {"Authorization": f"Bearer {api_token(client, world.lead)}"}
    odd = [None, [], "x", 1, {"version": "x"}, {"quantity": 1e309}, {"round_id": 2**63}, {"a": {"b": [None]}},
           {"version": True, "quantity": "1" * 500}]
    writes = [("post", "/api/v1/alliances/ict/pledges"), ("patch", f"/api/v1/pledges/{world.pledge_id}"),
              ("post", "/api/v1/alliances/ict/signals"), ("post", "/api/v1/dialogues"),
              ("post", "/api/v1/dialogues/1/posts"), ("put", "/api/v1/suppliers/me/declarations"),
              ("post", "/api/v1/auth/token")]
    failures = []
    for (method, url), body in product(writes, odd):
        response = getattr(client, method)(url, json=body, headers=auth)
        if response.status_code >= 500 or not response.is_json:
            failures.append((method, url, body, response.status_code))
    raw = client.post("/api/v1/alliances/ict/pledges", data=b"\xff{", headers=auth | {"Content-Type": "application/json"})
    assert raw.status_code == 400 or raw.status_code == 422
    assert failures == []


def test_nul_characters_are_refused_everywhere(app):
    """PostgreSQL text cannot hold NUL: a form, query, path or JSON value with one is a clear 400."""
    world = _world(app)
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={"email": "a\x00@x.test", "password": "x", "csrf_token": token})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    assert client.get("/summaries/?country=S%00E").status_code == 400
    assert client.get("/alliances/ic%00t").status_code == 400
    from tests.factories import api_token

    auth = {"Authorization": f"Bearer {api_token(client, world.lead)}"}
    response = client.post("/api/v1/dialogues", json={"title": "Laptops\x00", "nested": [{"x\x00": 1}]}, headers=auth)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    login(client, world.lead)
    assert client.get("/summaries/manage").status_code == 200  # a NUL-free request still passes


def test_pledge_import_with_nul_bytes_is_a_clear_error(app):
    world = make_pledging_round(app)
    client = app.test_client()
    login(client, world.a)
    import io

    header = "category,criteria_version,level,quantity,estimated_value,currency,delivery_quarter,country,region\n"
    body = (header + "30213100-6,2,core,10,100.00,EUR,2027-Q3,SE,SE1\x0010\n").encode()
    url = f"/pledges/rounds/{world.round_id}/import"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(body), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code < 500
    from alliance.models import Pledge

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 0
