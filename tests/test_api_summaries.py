"""GET /api/v1/summaries and /api/v1/summaries/<id>: public, paginated, filterable, with ETags."""

import json

from tests.factories import SUPPRESSED_FIGURES, api_token, make_pledging_round, make_summary


def test_list_is_public_paginated_and_published_only(app, client):
    world = make_pledging_round(app)
    published = [make_summary(app, world) for _ in range(3)]
    make_summary(app, world, status="draft")
    make_summary(app, world, status="withdrawn")
    response = client.get("/api/v1/summaries?page_size=2")
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    first_page = [item["id"] for item in response.get_json()]
    second_page = [item["id"] for item in client.get("/api/v1/summaries?page_size=2&page=2").get_json()]
    assert sorted(first_page + second_page) == sorted(published)
    item = response.get_json()[0]
    assert item["status"] == "published" and item["alliance"]["slug"] == "ict"
    assert item["links"]["csv"].endswith(f"/api/v1/summaries/{item['id']}.csv")
    assert item["round"]["delivery_from"] == "2027-Q1"


def test_list_filters_and_bad_filters(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    ids = lambda query: [i["id"] for i in client.get(f"/api/v1/summaries?{query}").get_json()]  # noqa: E731
    assert ids("sector=ict&cpv=3021&country=SE&quarter_from=2027-Q1&quarter_to=2027-Q2") == [summary_id]
    assert ids("sector=health") == [] and ids("country=FR") == [] and ids("quarter_from=2030-Q1") == []
    bad = client.get("/api/v1/summaries?country=sweden&page_size=1000")
    assert bad.status_code == 422
    error = bad.get_json()["error"]
    assert error["code"] == "validation_error" and "country" in error["fields"]


def test_detail_has_public_tables_only(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    response = client.get(f"/api/v1/summaries/{summary_id}")
    assert response.status_code == 200
    body = response.get_json()
    tables = {table["key"]: table for table in body["tables"]}
    assert list(tables) == ["total", "quarter", "country", "level", "readiness", "impact"]
    assert tables["total"]["rows"][1][3] == {"suppressed": True, "reason": "fewer than 30 buyers"}
    assert tables["total"]["rows"][0][4] == {"value_minor": 960000000, "currency": "EUR"}
    text = response.get_data(as_text=True)
    for figures in SUPPRESSED_FIGURES.values():
        for value in figures.values():
            assert f": {value}," not in text and f": {value}}}" not in text and f"[{value}," not in text


def test_drafts_only_for_the_alliances_leads_with_a_token(app, client):
    world = make_pledging_round(app)
    other = make_pledging_round(app, slug="health")
    draft_id = make_summary(app, world, status="draft")
    assert client.get(f"/api/v1/summaries/{draft_id}").status_code == 404
    for email in (world.a, world.supplier, other["lead"]):
        token = api_token(client, email)
        response = client.get(f"/api/v1/summaries/{draft_id}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", email
    token = api_token(client, world.lead)
    response = client.get(f"/api/v1/summaries/{draft_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["status"] == "draft"
    assert "Authorization" in response.headers["Vary"]
    assert client.get("/api/v1/summaries/987654").status_code == 404
    assert client.get("/api/v1/summaries", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_withdrawn_summary_is_gone_and_says_so_without_figures(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world, status="withdrawn")
    response = client.get(f"/api/v1/summaries/{summary_id}")
    assert response.status_code == 410
    error = response.get_json()["error"]
    assert error["code"] == "withdrawn" and "withdrawn on" in error["message"]
    assert set(response.get_json()) == {"error"}  # no figures


def test_etags_give_304_and_change_with_the_data(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    listing = client.get("/api/v1/summaries")
    assert client.get("/api/v1/summaries", headers={"If-None-Match": listing.headers["ETag"]}).status_code == 304
    detail = client.get(f"/api/v1/summaries/{summary_id}")
    not_modified = client.get(f"/api/v1/summaries/{summary_id}", headers={"If-None-Match": detail.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.data == b""
    make_summary(app, world)
    assert client.get("/api/v1/summaries", headers={"If-None-Match": listing.headers["ETag"]}).status_code == 200


def test_rate_limit_applies(app, client):
    response = client.get("/api/v1/summaries")
    assert response.headers["X-RateLimit-Limit"] == app.config["API_RATE_LIMIT"].split()[0]


def test_out_of_range_ids_and_pages_are_404_or_empty_not_500(app, client):
    world = make_pledging_round(app)
    make_summary(app, world)
    huge = 2**31
    for path in (f"/api/v1/summaries/{huge}", f"/api/v1/summaries/{huge}.csv", f"/summaries/manage/{huge}",
                 f"/criteria-sets/{huge}/tender.md", f"/summaries/x/{huge}"):
        assert client.get(path).status_code in (302, 404), path
    assert client.get(f"/api/v1/summaries?page={2**62}").get_json() == []
    assert client.get(f"/summaries/?page={2**62}").status_code == 200
