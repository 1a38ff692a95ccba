"""The dialogues API: what each caller may read, who may post, closed dialogues, no leaked authors."""

from datetime import timedelta

from alliance.models.base import utcnow
from tests.factories import api_token, email_of
from tests.test_dialogues import XSS, dialogue_world


def bearer(app, client, user_id) -> dict:
    return {"Authorization": f"Bearer {api_token(client, email_of(app, user_id))}"}


def test_question_authors_never_leak_through_the_api(app, client):
    world = dialogue_world(app)
    url = f"/api/v1/dialogues/{world['dialogue_id']}/posts"
    response = client.post(url, json={"kind": "question", "body": "Is **USB-C** required?"},
                           headers=bearer(app, client, world["supplier_a"]))
    assert response.status_code == 201, response.get_json()
    for headers in ({}, bearer(app, client, world["lead"]), bearer(app, client, world["supplier_b"])):
        question = [p for p in client.get(url, headers=headers).get_json() if p["kind"] == "question"][0]
        assert question["author_label"] == "A supplier" and "author" not in question
        assert "Alpha" not in str(question) and str(world["supplier_a"]) not in str(question.get("author_id", ""))
    admin_view = [p for p in client.get(url, headers=bearer(app, client, world["admin"])).get_json()
                  if p["kind"] == "question"][0]
    assert admin_view["author"]["email"] == "anna@alpha.test"


def test_rfi_response_is_for_leads_only(app, client):
    world = dialogue_world(app)
    url = f"/api/v1/dialogues/{world['dialogue_id']}/posts"
    response = client.post(url, json={"kind": "response", "parent_id": world["rfi_id"], "body": "Price EUR 7."},
                           headers=bearer(app, client, world["supplier_a"]))
    assert response.status_code == 201 and response.get_json()["visibility"] == "leads"

    def bodies(headers):
        return [p["body"] for p in client.get(url, headers=headers).get_json()]

    assert "Price EUR 7." in bodies(bearer(app, client, world["lead"]))
    assert "Price EUR 7." in bodies(bearer(app, client, world["supplier_a"]))
    for headers in ({}, bearer(app, client, world["supplier_b"]), bearer(app, client, world["member"])):
        assert "Price EUR 7." not in bodies(headers)


def test_supplier_cannot_read_buyer_pledges_through_the_api(app, client):
    world = dialogue_world(app)
    headers = bearer(app, client, world["supplier_a"])
    assert client.get("/api/v1/alliances/ict/pledges", headers=headers).status_code == 403
    assert client.get(f"/api/v1/pledges/{world['pledge_id']}", headers=headers).status_code == 404  # not its to know of


def test_posting_rules_and_closed_dialogue(app, client):
    world = dialogue_world(app)
    url = f"/api/v1/dialogues/{world['dialogue_id']}/posts"
    supplier, lead = bearer(app, client, world["supplier_a"]), bearer(app, client, world["lead"])
    assert client.post(url, json={"kind": "question", "body": "Hi"}).status_code == 401
    assert client.post(url, json={"kind": "answer", "body": "Hi", "parent_id": world["rfi_id"]},
                       headers=supplier).status_code == 403
    assert client.post(url, json={"kind": "question", "body": "Hi"}, headers=lead).status_code == 403
    bad_parent = client.post(url, json={"kind": "answer", "body": "Hi", "parent_id": world["rfi_id"]}, headers=lead)
    assert bad_parent.status_code == 422 and "parent_id" in bad_parent.get_json()["error"]["fields"]
    too_long = client.post(url, json={"kind": "question", "body": "x" * 5001}, headers=supplier)
    assert too_long.status_code == 422
    for payload in XSS:
        created = client.post(url, json={"kind": "question", "body": payload}, headers=supplier).get_json()
        assert "<script" not in created.get("body", "") and "<img" not in created.get("body", "")
    expired = dialogue_world(app, closes_in=timedelta(seconds=-1), slug="health")
    closed = client.post(f"/api/v1/dialogues/{expired['dialogue_id']}/posts",
                         json={"kind": "question", "body": "Late"}, headers=bearer(app, client, expired["supplier_a"]))
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "dialogue_closed"
    assert client.get("/api/v1/dialogues/999999/posts").status_code == 404


def test_leads_open_dialogues_through_the_api(app, client):
    world = dialogue_world(app)
    data = {"alliance": "ict", "title": "Smartphones", "round_id": world["round_id"],
            "closes_at": (utcnow() + timedelta(days=3)).isoformat(), "rfi_questions": ["Repairability?"]}
    assert client.post("/api/v1/dialogues", json=data,
                       headers=bearer(app, client, world["supplier_a"])).status_code == 403
    assert client.post("/api/v1/dialogues", json=data, headers=bearer(app, client, world["member"])).status_code == 403
    lead = bearer(app, client, world["lead"])
    past = client.post("/api/v1/dialogues", json=data | {"closes_at": "2001-01-01T00:00:00+00:00"}, headers=lead)
    assert past.status_code == 422 and "closes_at" in past.get_json()["error"]["fields"]
    created = client.post("/api/v1/dialogues", json=data, headers=lead)
    assert created.status_code == 201 and created.get_json()["status"] == "open"
    listed = client.get("/api/v1/dialogues").get_json()
    assert {d["title"] for d in listed} == {"Laptops 2027", "Smartphones"}
    posts = client.get(f"/api/v1/dialogues/{created.get_json()['id']}/posts").get_json()
    assert [p["body"] for p in posts] == ["Repairability?"]
