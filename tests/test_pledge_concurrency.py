"""Two people edit one pledge at the same moment: exactly one wins, the other gets a 409, nothing is mixed.

Real threads, two test clients and the real database (SQLite by default, PostgreSQL with DATABASE_URL).
"""

import threading

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Pledge, PledgeRevision
from alliance.pledges import operations
from tests.factories import api_token, make_pledging_round, pledge_fields


def _pledge(client, world, token) -> int:
    body = pledge_fields() | {"round_id": world.round_id, "quantity": 150, "status": "submitted"}
    response = client.post("/api/v1/alliances/ict/pledges", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    return response.get_json()["id"]


def _race(app, world, pledge_id, tokens, barrier) -> dict:
    results = {}

    def edit(name, token, quantity):
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.patch(f"/api/v1/pledges/{pledge_id}", json={"version": 1, "quantity": quantity,
                                                                        "region": f"SE{quantity}"},
                                headers={"Authorization": f"Bearer {token}"})
        results[name] = (response.status_code, response.get_json(), quantity)

    threads = [threading.Thread(target=edit, args=(name, token, quantity))
               for name, token, quantity in (("first", tokens[0], 111), ("second", tokens[1], 222))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _check(app, pledge_id, results):
    statuses = sorted(status for status, _, _ in results.values())
    assert statuses == [200, 409], results
    [(_, winner, quantity)] = [r for r in results.values() if r[0] == 200]
    [(_, loser, _)] = [r for r in results.values() if r[0] == 409]
    assert loser["error"]["code"] == "version_conflict" and loser["error"]["current"]["quantity"] == quantity
    with app.app_context():
        stored = db.session.get(Pledge, pledge_id)
        assert (stored.quantity, stored.region, stored.version) == (quantity, f"SE{quantity}", 2)
        assert winner["quantity"] == quantity
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PledgeRevision)) == 2


@pytest.fixture
def race_setup(app):
    world = make_pledging_round(app)
    client = app.test_client()
    tokens = [api_token(client, world.a), api_token(client, world.a2)]
    return world, _pledge(client, world, tokens[0]), tokens


def test_two_simultaneous_patches_one_200_one_409(app, race_setup):
    world, pledge_id, tokens = race_setup
    _check(app, pledge_id, _race(app, world, pledge_id, tokens, threading.Barrier(2)))


def test_both_read_version_1_before_either_writes(app, race_setup, monkeypatch):
    """Force the worst interleaving: both requests pass the version check in Python, then both UPDATE.
    The database's version check (UPDATE … WHERE version = 1) must still let only one through."""
    world, pledge_id, tokens = race_setup
    both_checked = threading.Barrier(2)
    validate = operations.validate

    def validate_then_wait(*args, **kwargs):
        clean = validate(*args, **kwargs)
        both_checked.wait(timeout=10)
        return clean

    monkeypatch.setattr(operations, "validate", validate_then_wait)
    _check(app, pledge_id, _race(app, world, pledge_id, tokens, threading.Barrier(2)))
