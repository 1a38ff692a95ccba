"""The domain error family (alliance/errors.py) and its one mapping to responses (alliance.web).

Each member answers with its own status: under /api/ as {"error": {"code", "message", "fields"}}, elsewhere
as the error page with its message; a stale edit also says the current version. Every exception class a
feature defines belongs to the family, so no refusal reaches the user as a 500.
"""

import importlib
import inspect
import pkgutil

import pytest
import sqlalchemy as sa

import alliance
from alliance.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    StaleEditError,
)
from alliance.extensions import db
from alliance.models import Pledge
from alliance.pledges import operations as pledge_ops
from alliance.pledges.validation import PledgeStatusError, RoundClosedError
from alliance.settings.tokens import TooManyTokensError
from alliance.web import render_domain_error
from tests.factories import api_token, csrf_token, login, make_pledging_round, pledge_fields

MEMBERS = [
    (InvalidError("Give a title.", "title"), 422, "validation_error", {"title": ["Give a title."]}),
    (NotFoundError("No such pledge."), 404, "not_found", None),
    (ForbiddenError("Only a lead may do this."), 403, "forbidden", None),
    (ConflictError("This edition never changes."), 409, "conflict", None),
    (StaleEditError("Someone changed it.", expected=1, current_version=3), 409, "version_conflict", None),
    # features narrow a member without changing its status
    (pledge_ops.PledgeReadOnlyError("Leads only read."), 403, "forbidden", None),
    (RoundClosedError("The round is closed."), 422, "round_closed", None),
    (PledgeStatusError("Only a draft can be submitted."), 422, "invalid_status", None),
    (TooManyTokensError("Revoke one first."), 409, "too_many_tokens", None),
]


@pytest.mark.parametrize(("error", "status", "code", "fields"), MEMBERS, ids=lambda v: type(v).__name__)
def test_each_member_maps_to_its_status_and_json_error(app, error, status, code, fields):
    with app.test_request_context("/api/v1/anything"):
        response = render_domain_error(error)
    body = response.get_json()
    assert response.status_code == status
    expected = {"code": code, "message": error.message} | ({"fields": fields} if fields else {})
    if isinstance(error, StaleEditError):
        expected["current_version"] = 3
    assert body == {"error": expected}


@pytest.mark.parametrize(("error", "status", "code", "fields"), MEMBERS, ids=lambda v: type(v).__name__)
def test_each_member_maps_to_the_error_page_with_its_status_and_message(app, error, status, code, fields):
    with app.test_request_context("/pledges/1"):
        response = render_domain_error(error)
    assert response.status_code == status and response.mimetype == "text/html"
    assert error.message in response.get_data(as_text=True)


def test_a_refusal_without_message_gets_the_status_text(app):
    with app.test_request_context("/api/v1/anything"):
        response = render_domain_error(NotFoundError())
    assert response.status_code == 404 and response.get_json()["error"]["message"].startswith("The requested URL")


def _exception_classes() -> list[type]:
    found = set()
    for module in pkgutil.walk_packages(alliance.__path__, "alliance."):
        loaded = importlib.import_module(module.name)
        found |= {value for value in vars(loaded).values() if inspect.isclass(value)
                  and issubclass(value, Exception) and value.__module__ == module.name}
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


# compile_signals' RoundNotFoundError is only raised in the compile job, never answered to a request; signals/
# is being reorganised on another branch, and its base moves to NotFoundError once that is merged.
OUTSIDE_THE_FAMILY = {"alliance.signals.snapshots.RoundNotFoundError"}


def test_every_exception_a_feature_defines_is_in_the_family():
    classes = _exception_classes()
    assert len(classes) >= 20
    outside = [f"{cls.__module__}.{cls.__name__}" for cls in classes if not issubclass(cls, DomainError)]
    assert sorted(outside) == sorted(OUTSIDE_THE_FAMILY)


def test_each_family_member_says_how_not_a_feature_base_overruling_it():
    """A feature's forbidden, not-found and conflict errors are not its invalid-input base: `except RoundError`
    must not swallow a 403 the mapping should answer."""
    for cls in _exception_classes():
        if issubclass(cls, DomainError):
            kinds = [kind for kind in (InvalidError, NotFoundError, ForbiddenError, ConflictError) if issubclass(cls, kind)]
            assert len(kinds) <= 1, (cls, kinds)
            assert cls.status == (kinds[0].status if kinds else DomainError.status), cls


# A stale edit, through the API and through the web, when another transaction commits between the version
# check and the UPDATE (SQLAlchemy's StaleDataError on flush): a 409 with the current version, never a 500.


def _bump_version_behind_the_request(app, monkeypatch, pledge_id: int, quantity: int) -> None:
    """Once the request has checked the version, another member's change commits in its own connection."""
    validate = pledge_ops.validate

    def validate_then_someone_else_commits(*args, **kwargs):
        clean = validate(*args, **kwargs)
        with db.engine.begin() as other:
            other.execute(sa.update(Pledge).where(Pledge.id == pledge_id)
                          .values(quantity=quantity, version=Pledge.version + 1))
        return clean

    monkeypatch.setattr(pledge_ops, "validate", validate_then_someone_else_commits)


@pytest.fixture
def world(app):
    return make_pledging_round(app)


def _pledge_id(client, world, token) -> int:
    response = client.post("/api/v1/alliances/ict/pledges", headers={"Authorization": f"Bearer {token}"},
                           json=pledge_fields() | {"round_id": world.round_id, "quantity": 150})
    assert response.status_code == 201
    return response.get_json()["id"]


def test_api_edit_overtaken_on_flush_is_409_with_the_current_pledge(app, client, world, monkeypatch):
    token = api_token(client, world.a)
    pledge_id = _pledge_id(client, world, token)
    _bump_version_behind_the_request(app, monkeypatch, pledge_id, 444)
    response = client.patch(f"/api/v1/pledges/{pledge_id}", json={"version": 1, "quantity": 999},
                            headers={"Authorization": f"Bearer {token}"})
    error = response.get_json()["error"]
    assert response.status_code == 409 and error["code"] == "version_conflict"
    assert error["current_version"] == 2 and error["current"]["quantity"] == 444
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).quantity == 444


def test_web_edit_overtaken_on_flush_is_409_showing_the_current_version(app, client, world, monkeypatch):
    pledge_id = _pledge_id(client, world, api_token(client, world.a))
    login(client, world.a)
    path = f"/pledges/{pledge_id}"
    token = csrf_token(client, path)
    _bump_version_behind_the_request(app, monkeypatch, pledge_id, 444)
    response = client.post(path, data={"csrf_token": token, "version": "1", **pledge_fields(quantity="999")})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="444"' in html and 'name="version" type="hidden" value="2"' in html
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).quantity == 444


def test_api_refusals_from_domain_code_keep_their_exact_status(app, client, world):
    """403 where the caller may know the pledge exists (a lead changing a member's pledge), 404 where it may
    not (another buyer's pledge), 422 with the code of what to change."""
    pledge_id = _pledge_id(client, world, api_token(client, world.a))
    url = f"/api/v1/pledges/{pledge_id}"
    lead = client.patch(url, json={"version": 1, "quantity": 5},
                        headers={"Authorization": f"Bearer {api_token(client, world.lead)}"})
    assert lead.status_code == 403 and lead.get_json()["error"]["code"] == "forbidden"
    other = client.patch(url, json={"version": 1, "quantity": 5},
                         headers={"Authorization": f"Bearer {api_token(client, world.b)}"})
    assert other.status_code == 404 and other.get_json()["error"] == {"code": "not_found",
                                                                      "message": f"No pledge {pledge_id}."}
