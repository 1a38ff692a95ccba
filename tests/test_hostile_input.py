"""Hostile input is a 4xx with a clear error (a JSON code under /api/, a short page elsewhere), never a 500 or a
stall: numbers beyond the columns, JSON nested deep or of a million keys, lone surrogates, huge form posts,
money in other scripts' digits, dates in year 1 or 9999. Runs on SQLite and PostgreSQL alike."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandRound, Dialogue, Pledge
from tests.factories import api_token, csrf_token, login, make_pledging_round, pledge_fields


@pytest.fixture
def world(app):
    world = make_pledging_round(app)
    client = app.test_client()
    world.auth = {"Authorization": f"Bearer {api_token(client, world.a)}"}
    world.lead_auth = {"Authorization": f"Bearer {api_token(client, world.lead)}"}
    return world


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["code"] == code, error
    return error


def _pledge_body(world, **changes) -> dict:
    body = {**pledge_fields(), "round_id": world.round_id, "quantity": 150, "criteria_version": 2}
    body.update(changes)
    return body


def _pledges(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Pledge))


@pytest.mark.parametrize("round_id", [2**31, 2**31 - 1 + 2**32, 2**63, 2**64, -(2**63) - 1])
def test_a_round_id_beyond_the_column_is_a_422_or_400(app, client, world, round_id):
    response = client.post("/api/v1/alliances/ict/pledges", json=_pledge_body(world, round_id=round_id),
                           headers=world.auth)
    assert response.status_code in (400, 422) and response.is_json, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] in ("validation_error", "bad_request")
    assert _pledges(app) == 0


@pytest.mark.parametrize("value", [str(2**31), str(2**63), str(2**70), "-1", "0"])
def test_a_round_id_beyond_the_column_in_the_query_is_a_422(client, world, value):
    response = client.get(f"/api/v1/alliances/ict/pledges?round_id={value}", headers=world.auth)
    error = _error(response, 422, "validation_error")
    assert "round_id" in error["fields"]
    response = client.get(f"/api/v1/alliances/ict/signals/latest?round_id={value}")
    assert "round_id" in _error(response, 422, "validation_error")["fields"]


@pytest.mark.parametrize("job_id", ["compile_signals-round-1-now-99999999999999999999",
                                    "compile_signals-round-99999999999999999999-now-1", "x-" + "9" * 400])
def test_a_job_id_with_a_huge_number_is_a_404_and_the_page_still_renders(app, world, job_id):
    client = app.test_client()
    _error(client.get(f"/api/v1/jobs/{job_id}", headers=world.lead_auth), 404, "not_found")
    login(client, world.lead)
    page = client.get(f"/signals/jobs/{job_id}")
    assert page.status_code == 404 and "<title>" in page.get_data(as_text=True)
    assert client.get("/pledges/").status_code == 200  # the session is fine afterwards


def test_integers_beyond_the_columns_in_web_pages_are_refused_not_crashed(app, world):
    client = app.test_client()
    login(client, world.lead)
    for url in (f"/alliances/ict/signals?round={2**70}", f"/summaries/manage/new?snapshot={2**64}",
                f"/pledges/?page={2**80}", f"/pledges/rounds/{2**31}", f"/pledges/{2**40}"):
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 404), (url, response.status_code)
        assert "<title>" in response.get_data(as_text=True)
    assert client.get("/pledges/").status_code == 200


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 30_000 + "1" + "}" * 30_000,
                                  '{"email": ' + "[" * 5_000 + "]" * 5_000 + "}", "[" * 40 + "]" * 40])
def test_deeply_nested_json_is_refused(client, world, body):
    for url, headers in (("/api/v1/auth/token", {}), ("/api/v1/alliances/ict/pledges", world.auth)):
        response = client.post(url, data=body, content_type="application/json", headers=headers)
        assert response.status_code in (400, 413) and response.is_json, (url, response.status_code)
        assert response.get_json()["error"]["code"] in ("bad_request", "payload_too_large")


def test_an_18_mb_body_of_a_million_keys_is_refused_before_it_is_read(client):
    body = json.dumps({f"k{index}": index for index in range(1_500_000)})
    assert len(body) > 18_000_000
    started = datetime.now(UTC)
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    error = _error(response, 413, "payload_too_large")
    assert "64 KB" in error["message"]
    assert datetime.now(UTC) - started < timedelta(seconds=5)  # a refusal, not a parse (11 s before)


def test_a_chunked_api_body_without_a_length_is_cut_at_the_limit(client):
    body = b'{"email": "' + b"a" * 200_000 + b'"}'
    response = client.post("/api/v1/auth/token", input_stream=__import__("io").BytesIO(body),
                           content_type="application/json", headers={"Transfer-Encoding": "chunked"})
    assert response.status_code in (400, 413) and response.is_json


def test_unknown_keys_are_refused_before_the_fields_are_validated(client):
    body = {"email": "not an address", **{f"k{index}": index for index in range(3000)}}
    response = client.post("/api/v1/auth/token", json=body)
    error = _error(response, 422, "validation_error")
    assert len(error["fields"]) == 20 and "email" not in error["fields"]  # the first unknown keys, no more


@pytest.mark.parametrize("text", ["ab\\ud800cd", "\\udfff", "x\\udbff\\udbffy"])
def test_lone_surrogates_in_json_are_a_400(app, client, world, text):
    body = '{"title": "' + text + '", "alliance": "ict", "closes_at": "2030-01-01T00:00:00Z", "round_id": 1}'
    response = client.post("/api/v1/dialogues", data=body, content_type="application/json", headers=world.lead_auth)
    assert "surrogate" in _error(response, 400, "bad_request")["message"]
    body = '{"email": "a' + text + '@x.test", "password": "x"}'
    _error(client.post("/api/v1/auth/token", data=body, content_type="application/json"), 400, "bad_request")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Dialogue)) == 0


def test_invalid_utf8_in_a_form_field_never_reaches_the_database(app, world):
    client = app.test_client()
    login(client, world.lead)
    token = csrf_token(client, "/dialogues/new")
    body = (f"csrf_token={token}&title=Laptops%ED%A0%80here&description=x&closes_at={_next_year()}T10:00"
            f"&alliance={world.alliance_id}&subject=round-{world.round_id}")
    response = client.post("/dialogues/new", data=body.encode(), content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    with app.app_context():
        titles = db.session.scalars(sa.select(Dialogue.title)).all()
    assert len(titles) <= 1 and all(title.encode("utf-8") for title in titles)  # stored text is valid Unicode


def _next_year() -> str:
    return (datetime.now(UTC) + timedelta(days=365)).date().isoformat()


def test_a_huge_form_post_is_refused_early_without_echoing_it(app, world):
    client = app.test_client()
    login(client, world.lead)
    token = csrf_token(client, "/dialogues/new")
    response = client.post("/dialogues/new", data={"csrf_token": token, "title": "Laptops", "description": "x" * 10_000_000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert len(page) < 20_000 and "xxxxxxxxxx" not in page and "512 KB" in page


def test_a_huge_field_in_a_multipart_form_is_refused(app, world):
    import io

    client = app.test_client()
    login(client, world.a)
    url = f"/pledges/rounds/{world.round_id}/import"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "note": "x" * 2_000_000,
                                      "file": (io.BytesIO(b"a,b\n"), "p.csv")}, content_type="multipart/form-data")
    assert response.status_code == 413 and "xxxxxxxxxx" not in response.get_data(as_text=True)


@pytest.mark.parametrize("amount", ["١٢٣", "١٢٣.٤٥", "１２３", "१२३", "1e9", "Infinity", "NaN", "12\u0663"])
def test_money_in_other_digits_is_refused(app, client, world, amount):
    response = client.post("/api/v1/alliances/ict/pledges", json=_pledge_body(world, estimated_value=amount),
                           headers=world.auth)
    assert "estimated_value" in _error(response, 422, "validation_error")["fields"]
    assert _pledges(app) == 0


@pytest.mark.parametrize(("field", "value"), [("delivery_quarter", "٢٠٢٧-Q3"), ("criteria_version", "٢"),
                                              ("criteria_version", "²")])
def test_other_digits_in_a_pledge_form_are_refused(app, world, field, value):
    client = app.test_client()
    login(client, world.a)
    url = f"/pledges/rounds/{world.round_id}"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, **pledge_fields(**{field: value})})
    assert response.status_code == 200 and _pledges(app) == 0


def test_a_csv_quantity_in_arabic_digits_is_a_line_error(app, world):
    from alliance.models import User
    from alliance.pledges import importing
    from alliance.pledges.access import load_round

    header = "category,criteria_version,level,quantity,estimated_value,currency,delivery_quarter,country,region,status"
    data = f"{header}\n30213100-6,2,core,١٥٠,135000.00,EUR,2027-Q3,SE,SE110,draft\n".encode()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == world.a))
        result = importing.import_file(load_round(user, world.round_id), data, "p.csv")
        db.session.rollback()
    assert not result.ok and "quantity" in result.errors[0][1]


def test_a_dialogue_closing_in_9999_is_refused(app, client, world):
    far = {"title": "Laptops", "alliance": "ict", "closes_at": "9999-12-31T00:00:00Z", "round_id": world.round_id}
    response = client.post("/api/v1/dialogues", json=far, headers=world.lead_auth)
    assert "closes_at" in _error(response, 422, "validation_error")["fields"]
    web = app.test_client()
    login(web, world.lead)
    token = csrf_token(web, "/dialogues/new")
    page = web.post("/dialogues/new", data={"csrf_token": token, "alliance": str(world.alliance_id),
                                            "title": "Laptops", "closes_at": "9999-12-31T10:00",
                                            "subject": f"round-{world.round_id}"})
    assert page.status_code == 200 and "at most 2 years" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Dialogue)) == 0


@pytest.mark.parametrize(("opens", "closes"), [("0001-01-01", "2030-01-01"), ("2030-01-01", "9999-12-31")])
def test_a_round_in_year_1_or_9999_is_refused(app, world, opens, closes):
    client = app.test_client()
    login(client, world.lead)
    url = f"/alliances/ict/rounds/{world.round_id}/edit"
    with app.app_context():
        db.session.get(DemandRound, world.round_id).status = "draft"
        db.session.commit()
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "title": "ICT round", "opens_on": opens, "closes_on": closes,
                                      "delivery_from": "2027-Q1", "delivery_to": "2028-Q4",
                                      "categories": [str(world.laptops_id)]})
    assert response.status_code == 200 and "Give a day between Jan 1, 2000" in response.get_data(as_text=True)


def test_a_405_names_the_allowed_methods(client):
    for path in ("/alliances/", "/api/v1/alliances", "/api/v1/pledges/1"):
        response = client.put(path) if path != "/api/v1/pledges/1" else client.post(path)
        assert response.status_code == 405, path
        assert response.headers["Allow"], path
    assert set(client.post("/api/v1/pledges/1").headers["Allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}
    assert client.put("/api/v1/alliances").get_json()["error"]["code"] == "method_not_allowed"


def test_x_pagination_matches_its_documented_schema(client, world):
    import jsonschema

    spec = client.get("/api/v1/openapi.json").get_json()
    header = spec["components"]["headers"]["PAGINATION"]
    schema = header["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for url, headers in (("/api/v1/summaries", {}), ("/api/v1/summaries?page=7", {}),
                         ("/api/v1/alliances/ict/pledges?page_size=1", world.auth)):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        jsonschema.validate(json.loads(response.headers["X-Pagination"]), schema)
