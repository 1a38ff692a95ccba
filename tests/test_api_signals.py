"""The signals API: who may compile and follow jobs, and what each caller reads from the latest snapshot."""

import re
from datetime import UTC, datetime

from alliance.extensions import db
from alliance.models import Snapshot
from tests.factories import api_token
from tests.test_signals import compile_round, market


def bearer(client, email) -> dict:
    return {"Authorization": f"Bearer {api_token(client, email)}"}


def test_lead_compiles_and_follows_the_job(app, client, run_worker):
    world = market(app)
    headers = bearer(client, world["lead"])
    response = client.post("/api/v1/alliances/ict/signals", json={"round_id": world["round_id"]}, headers=headers)
    assert response.status_code == 202
    job_id = response.get_json()["job_id"]
    queued = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert queued["status"] == "queued" and queued["snapshot_id"] is None
    run_worker()
    done = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert done["status"] == "finished" and done["error"] is None
    latest = client.get("/api/v1/alliances/ict/signals/latest", headers=headers).get_json()
    assert latest["snapshot_id"] == done["snapshot_id"] and latest["view"] == "lead"


def test_only_leads_compile_and_see_jobs(app, client):
    world = market(app)
    lead_headers = bearer(client, world["lead"])
    job_id = client.post("/api/v1/alliances/ict/signals", headers=lead_headers).get_json()["job_id"]
    for email in (world["a"], world["supplier"], world["outsider"]):
        headers = bearer(client, email)
        refused = client.post("/api/v1/alliances/ict/signals", json={}, headers=headers)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
        assert client.get(f"/api/v1/jobs/{job_id}", headers=headers).status_code == 404
    assert client.post("/api/v1/alliances/ict/signals", json={}).status_code == 401
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401
    assert client.get("/api/v1/jobs/no-such-job-1", headers=lead_headers).status_code == 404


def test_bad_input_is_a_4xx_with_a_code(app, client):
    world = market(app)
    headers = bearer(client, world["lead"])
    bad = client.post("/api/v1/alliances/ict/signals", json={"round_id": "seven"}, headers=headers)
    assert bad.status_code == 422 and "round_id" in bad.get_json()["error"]["fields"]
    assert client.post("/api/v1/alliances/ict/signals", json={"round_id": 99999}, headers=headers).status_code == 404
    assert client.post("/api/v1/alliances/nope/signals", json={}, headers=headers).status_code == 404
    missing = client.get("/api/v1/alliances/ict/signals/latest")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_snapshot"
    assert client.get("/api/v1/alliances/ict/signals/latest?round_id=x").status_code == 422


def test_latest_per_role_hides_suppressed_figures(app, client):
    world = market(app)
    snapshot_id = compile_round(app, world["round_id"])
    lead = client.get("/api/v1/alliances/ict/signals/latest", headers=bearer(client, world["lead"]))
    assert lead.get_json()["snapshot_id"] == snapshot_id
    assert lead.get_json()["view"] == "lead" and re.search(r"\b613\b", lead.get_data(as_text=True))
    for headers in (bearer(client, world["a"]), bearer(client, world["supplier"]), {}):
        response = client.get(f"/api/v1/alliances/ict/signals/latest?round_id={world['round_id']}", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and response.get_json()["snapshot_id"] == 1  # release 1
        assert response.get_json()["view"] == "public"
        assert not re.search(r"\b613\b", body) and "457901" not in body
        assert "fewer than 3 buyers" in body


def test_the_public_reads_the_release_number_not_how_many_snapshots_the_platform_compiled(app, client):
    world = market(app)
    with app.app_context():  # an earlier snapshot, as another alliance's compile would leave
        db.session.add(Snapshot(round_id=world["round_id"], compiled_at=datetime(2020, 1, 1, tzinfo=UTC),
                                watermark="earlier", pledge_count=0, k=3, p=80,
                                lead_data={"totals": {}, "by_category": []}, public_data={}))
        db.session.commit()
    snapshot_id = compile_round(app, world["round_id"])
    public = client.get("/api/v1/alliances/ict/signals/latest").get_json()
    assert snapshot_id == 2 and public["snapshot_id"] == 1 and public["release"]["number"] == 1
    lead = client.get("/api/v1/alliances/ict/signals/latest", headers=bearer(client, world["lead"])).get_json()
    assert lead["snapshot_id"] == snapshot_id


def test_openapi_documents_the_signals_paths(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/alliances/{slug}/signals", "/api/v1/jobs/{job_id}",
            "/api/v1/alliances/{slug}/signals/latest"} <= set(paths)
