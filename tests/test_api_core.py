"""The API core: tokens, the alliance endpoints, the OpenAPI document, JSON errors, headers."""

import hashlib
import json

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException

from alliance.api.auth import token_user
from alliance.api.errors import json_error_response
from alliance.extensions import db
from alliance.models import ApiToken
from alliance.models.base import utcnow
from tests.factories import PASSWORD, add_member, api_token, email_of, make_alliance, make_organisation, make_user


def error_of(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.get_json()["error"]


def test_token_for_good_credentials_is_stored_only_as_a_hash(app, client):
    email = email_of(app, make_user(app))
    response = client.post("/api/v1/auth/token", json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert len(token) > 30
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = [str(value) for value in db.session.execute(sa.select(ApiToken.__table__)).one()]
        assert token not in stored


def test_wrong_password_and_unknown_email_get_the_same_401(app, client):
    email = email_of(app, make_user(app))
    wrong = client.post("/api/v1/auth/token", json={"email": email, "password": "not the password"})
    unknown = client.post("/api/v1/auth/token", json={"email": "nobody@example.test", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown) == {"code": "invalid_credentials", "message": "Wrong e-mail or password."}
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "a@b.example"}, {"password"}),
        ({"email": 42, "password": ["x"]}, {"email", "password"}),
        ({"email": "not-an-email", "password": "x"}, {"email"}),
        ({"email": "a@b.example", "password": ""}, {"password"}),
        ({"email": "a@b.example", "password": "x" * 201}, {"password"}),
        ({"email": "a@b.example", "password": "x", "admin": True}, {"admin"}),
    ],
)
def test_token_request_with_bad_fields_is_a_422_with_field_messages(app, client, body, fields):
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error" and set(error["fields"]) == fields


@pytest.mark.parametrize(("data", "content_type"), [
    ("email=a&password=b", "application/x-www-form-urlencoded"),
    ("[1, 2]", "application/json"),
    ("{not json", "application/json"),
])
def test_token_request_that_is_not_a_json_object(app, client, data, content_type):
    response = client.post("/api/v1/auth/token", data=data, content_type=content_type)
    assert 400 <= response.status_code < 500 and error_of(response)["code"]


def test_token_calls_need_no_csrf_token(app, client):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    email = email_of(app, make_user(app))
    assert client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).status_code == 200


def test_disabled_user_gets_no_token(app, client):
    user_id = make_user(app)
    email = email_of(app, user_id)
    with app.app_context():
        from alliance.models import User

        db.session.get(User, user_id).disabled = True
        db.session.commit()
    assert client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).status_code == 401


def bearer_result(app, header: str):
    """What token_user() makes of an Authorization header: (user id or None, or the JSON error response)."""
    with app.test_request_context("/api/v1/alliances", headers={"Authorization": header} if header else {}):
        try:
            user = token_user()
        except HTTPException as error:
            return json_error_response(error)
        return getattr(user, "id", None)


def test_valid_revoked_and_malformed_tokens(app, client):
    user_id = make_user(app)
    token = api_token(client, email_of(app, user_id))
    assert bearer_result(app, f"Bearer {token}") == user_id
    assert bearer_result(app, "") is None
    with app.app_context():
        db.session.scalar(sa.select(ApiToken)).revoked_at = utcnow()
        db.session.commit()
    for header in (f"Bearer {token}", "Bearer alc_made-up", "Basic dXNlcjpwdw==", "Bearer "):
        response = bearer_result(app, header)
        assert response.status_code == 401, header
        assert response.get_json()["error"]["code"] == "invalid_token"


def test_alliance_list_and_detail(app, client):
    alliance_id = make_alliance(app, slug="ict", k=4, p=70)
    make_alliance(app, slug="health", sector="health")
    add_member(app, alliance_id, make_organisation(app), role="lead")
    listing = client.get("/api/v1/alliances")
    assert listing.status_code == 200
    assert [item["slug"] for item in listing.get_json()] == ["health", "ict"]
    detail = client.get("/api/v1/alliances/ict").get_json()
    assert (detail["slug"], detail["sector"], detail["k"], detail["p"], detail["currency"]) == ("ict", "ict", 4, 70, "EUR")
    missing = client.get("/api/v1/alliances/nope")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    assert "nope" in error_of(missing)["message"]


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/auth/token", "/api/v1/alliances", "/api/v1/alliances/{slug}"} <= set(document["paths"])
    assert "bearerAuth" in document["components"]["securitySchemes"]


def test_json_errors_for_unknown_paths_and_wrong_methods(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong_method = client.get("/api/v1/auth/token")
    assert wrong_method.status_code == 405 and error_of(wrong_method)["code"] == "method_not_allowed"
    html_missing = client.get("/no-such-page")
    assert html_missing.status_code == 404 and html_missing.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/", "/alliances/", "/api/v1/alliances", "/api/v1/no-such-thing"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
