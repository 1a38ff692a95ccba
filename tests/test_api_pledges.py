"""The pledges API: each role's view, validation errors, versions (409), withdraw, and the OpenAPI document."""

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandRound, Pledge, PledgeRevision
from tests.factories import api_token, make_pledging_round, pledge_fields


@pytest.fixture
def world(app):
    return make_pledging_round(app)


def _headers(client, email):
    return {"Authorization": f"Bearer {api_token(client, email)}"}


def _body(world, **changes):
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": 150,
                              "status": "submitted"}
    return body | changes


def _count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Pledge))


def _create(client, world, email="a", **changes):
    response = client.post("/api/v1/alliances/ict/pledges", json=_body(world, **changes),
                           headers=_headers(client, world[email]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_buyer_creates_reads_and_lists_own_pledges(app, client, world):
    pledge = _create(client, world, quantity=1200, estimated_value=1080000)
    assert (pledge["quantity"], pledge["value_minor"], pledge["estimated_value"]) == (1200, 108000000, "1080000.00")
    assert pledge["category"] == "30213100-6" and pledge["criteria_version"] == 2 and pledge["version"] == 1
    headers = _headers(client, world.a2)
    assert client.get(f"/api/v1/pledges/{pledge['id']}", headers=headers).get_json()["quantity"] == 1200
    listing = client.get("/api/v1/alliances/ict/pledges?status=submitted", headers=headers)
    assert [p["id"] for p in listing.get_json()] == [pledge["id"]]
    assert '"total": 1' in listing.headers["X-Pagination"]


def test_list_is_scoped_per_organisation_and_leads_see_all(app, client, world):
    own = _create(client, world)
    other = _create(client, world, email="b", quantity=77)
    by_b = client.get(f"/api/v1/alliances/ict/pledges?round_id={world.round_id}", headers=_headers(client, world.b))
    assert [p["id"] for p in by_b.get_json()] == [other["id"]] and '"total": 1' in by_b.headers["X-Pagination"]
    by_lead = client.get("/api/v1/alliances/ict/pledges", headers=_headers(client, world.lead))
    assert sorted(p["id"] for p in by_lead.get_json()) == sorted([own["id"], other["id"]])
    by_outsider = client.get("/api/v1/alliances/ict/pledges", headers=_headers(client, world.outsider))
    assert by_outsider.get_json() == []


def test_a_page_past_the_end_is_empty_not_an_error(app, client, world):
    _create(client, world)
    response = client.get(f"/api/v1/alliances/ict/pledges?page={2**62}", headers=_headers(client, world.a))
    assert response.status_code == 200 and response.get_json() == []
    assert '"total": 1' in response.headers["X-Pagination"]


def test_supplier_anonymous_and_other_buyers_see_nothing(app, client, world):
    pledge = _create(client, world, quantity=4321)
    supplier = _headers(client, world.supplier)
    assert client.get("/api/v1/alliances/ict/pledges", headers=supplier).status_code == 403
    assert client.post("/api/v1/alliances/ict/pledges", json=_body(world), headers=supplier).status_code == 403
    assert client.get("/api/v1/alliances/ict/pledges").status_code == 401
    assert client.get(f"/api/v1/pledges/{pledge['id']}").status_code == 401
    for who in ("b", "supplier", "outsider"):
        headers = _headers(client, world[who])
        missing = client.get("/api/v1/pledges/999999", headers=headers)
        for response in (client.get(f"/api/v1/pledges/{pledge['id']}", headers=headers),
                         client.patch(f"/api/v1/pledges/{pledge['id']}", json={"version": 1, "quantity": 1},
                                      headers=headers),
                         client.delete(f"/api/v1/pledges/{pledge['id']}?version=1", headers=headers)):
            assert response.status_code == 404
            assert response.get_json()["error"]["message"] == missing.get_json()["error"]["message"].replace(
                "999999", str(pledge["id"]))
            assert "4321" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Pledge, pledge["id"]).quantity == 4321


def test_lead_cannot_change_another_members_pledge(app, client, world):
    pledge = _create(client, world)
    response = client.patch(f"/api/v1/pledges/{pledge['id']}", json={"version": 1, "quantity": 5},
                            headers=_headers(client, world.lead))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"quantity": 0}, "quantity", "at least 1"),
    ({"quantity": -4}, "quantity", "negative"),
    ({"quantity": 10**13}, "quantity", "too large"),
    ({"quantity": "many"}, "quantity", "Not a valid integer"),
    ({"quantity": 2.5}, "quantity", "Not a valid integer"),
    ({"currency": "ABC"}, "currency", "not an ISO 4217"),
    ({"currency": "SEK"}, "currency", "in EUR, not SEK"),
    ({"delivery_quarter": "2031-Q1"}, "delivery_quarter", "outside the round's delivery horizon"),
    ({"criteria_version": 1}, "criteria_version", "retired; pledge to version 2"),
    ({"country": "ZZ"}, "country", "ISO 3166"),
    ({"estimated_value": "12,5,0"}, "estimated_value", "not an amount"),
])
def test_bad_fields_are_422_with_the_field_and_nothing_stored(app, client, world, changes, field, message):
    response = client.post("/api/v1/alliances/ict/pledges", json=_body(world, **changes),
                           headers=_headers(client, world.a))
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "validation_error"
    assert message in " ".join(error["fields"][field]) if isinstance(error["fields"][field], list) \
        else message in error["fields"][field]
    assert _count(app) == 0


@pytest.mark.parametrize(("who", "status", "code"), [("outsider", 403, "forbidden"), ("unverified", 403, "forbidden")])
def test_non_members_cannot_pledge(app, client, world, who, status, code):
    response = client.post("/api/v1/alliances/ict/pledges", json=_body(world), headers=_headers(client, world[who]))
    assert response.status_code == status and response.get_json()["error"]["code"] == code
    assert _count(app) == 0


def test_closed_round_and_foreign_round_are_refused(app, client, world):
    other = make_pledging_round(app, slug="health")
    headers = _headers(client, world.a)
    response = client.post("/api/v1/alliances/ict/pledges", json=_body(world, round_id=other["round_id"]) | {
        "round_id": other["round_id"]}, headers=headers)
    assert response.status_code == 422 and "round_id" in response.get_json()["error"]["fields"]
    with app.app_context():
        db.session.execute(sa.update(DemandRound).where(DemandRound.id == world.round_id).values(status="closed"))
        db.session.commit()
    response = client.post("/api/v1/alliances/ict/pledges", json=_body(world), headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "round_closed"
    assert _count(app) == 0


def test_patch_with_version_and_stale_patch_is_409_with_current(app, client, world):
    pledge = _create(client, world)
    url = f"/api/v1/pledges/{pledge['id']}"
    headers = _headers(client, world.a)
    ok = client.patch(url, json={"version": 1, "quantity": 300, "estimated_value": "270000"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["version"] == 2 and ok.get_json()["value_minor"] == 27000000
    stale = client.patch(url, json={"version": 1, "quantity": 999}, headers=headers)
    error = stale.get_json()["error"]
    assert stale.status_code == 409 and error["code"] == "version_conflict"
    assert error["current_version"] == 2 and error["current"]["quantity"] == 300
    missing_version = client.patch(url, json={"quantity": 5}, headers=headers)
    assert missing_version.status_code == 422 and "version" in missing_version.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.get(Pledge, pledge["id"]).quantity == 300
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PledgeRevision)) == 2


def test_delete_withdraws_with_version_from_query_header_or_body(app, client, world):
    headers = _headers(client, world.a)
    first, second, third = (_create(client, world) for _ in range(3))
    assert client.delete(f"/api/v1/pledges/{first['id']}", headers=headers).status_code == 428
    assert client.delete(f"/api/v1/pledges/{first['id']}?version=7", headers=headers).status_code == 409
    assert client.delete(f"/api/v1/pledges/{first['id']}?version=1", headers=headers).get_json()["status"] == "withdrawn"
    response = client.delete(f"/api/v1/pledges/{second['id']}", headers={**headers, "If-Match": '"1"'})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    response = client.delete(f"/api/v1/pledges/{third['id']}", json={"version": 1}, headers=headers)
    assert response.status_code == 200
    again = client.patch(f"/api/v1/pledges/{third['id']}", json={"version": 2, "quantity": 3}, headers=headers)
    assert again.status_code == 422 and again.get_json()["error"]["code"] == "invalid_status"


def test_draft_submitted_by_patch(app, client, world):
    draft = _create(client, world, status="draft")
    response = client.patch(f"/api/v1/pledges/{draft['id']}", json={"version": 1, "status": "submitted"},
                            headers=_headers(client, world.a))
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"


def test_openapi_documents_the_pledge_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/alliances/{slug}/pledges"])
    assert {"get", "patch", "delete"} <= set(spec["paths"]["/api/v1/pledges/{pledge_id}"])
    assert "409" in spec["paths"]["/api/v1/pledges/{pledge_id}"]["patch"]["responses"]


def test_changing_the_category_takes_its_latest_criteria_version(app, client, world):
    pledge = _create(client, world)
    response = client.patch(f"/api/v1/pledges/{pledge['id']}", json={"version": 1, "category": "30231310-3"},
                            headers=_headers(client, world.a))
    assert response.status_code == 200
    assert (response.get_json()["category"], response.get_json()["criteria_version"]) == ("30231310-3", 1)


def test_a_three_decimal_amount_reads_back_and_survives_a_change_of_another_field(app, client):
    world = make_pledging_round(app, currency="KWD")
    headers = _headers(client, world.a)
    body = _body(world, currency="KWD", estimated_value="1.001")  # JSON's decimal point: 1.001 KWD, not 1001
    created = client.post("/api/v1/alliances/ict/pledges", json=body, headers=headers)
    assert created.status_code == 201 and created.get_json()["value_minor"] == 1001
    url = f"/api/v1/pledges/{created.get_json()['id']}"
    read = client.get(url, headers=headers).get_json()
    assert read["estimated_value"] == "1.001"
    changed = client.patch(url, json={"version": 1, "quantity": 151}, headers=headers)  # the amount not re-read
    assert changed.status_code == 200 and changed.get_json()["value_minor"] == 1001
    sent_back = client.patch(url, json={"version": 2, "estimated_value": read["estimated_value"]}, headers=headers)
    assert sent_back.status_code == 200 and sent_back.get_json()["value_minor"] == 1001
    with app.app_context():
        assert db.session.get(Pledge, created.get_json()["id"]).value_minor == 1001
