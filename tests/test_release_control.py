"""Release control through the running app: an attacker keeps every public release (API answers, summary
CSV and OCDS exports) and subtracts them; a rival buyer edits pledges to isolate another's.

Issue 10's cases: buyer A adds 10 laptops (9,000 EUR) to a cell that passes the rules, the lead compiles
and publishes; one buyer submits while two others save drafts. Nothing published may move by that pledge.
"""

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandSummary, Pledge, ReleaseContribution, Snapshot, User
from alliance.summaries import operations as ops
from tests.factories import api_token, csrf_token, login, make_pledging_round, make_summary, pledge_fields
from tests.test_signals import LAPTOPS, add_pledges, more_buyers

LATEST = "/api/v1/alliances/ict/signals/latest"


def open_market(app) -> dict:
    """Six buyers (A, B, the lead's organisation and three more) each pledging laptops in Sweden and Denmark,
    2027-Q1 and Q2, three at the core and three at the comprehensive level: every figure passes the rules."""
    world = make_pledging_round(app)
    orgs = [world.a_org, world.b_org, world.lead_org, *more_buyers(app, world, 3)]
    rows = []
    for i, org in enumerate(orgs):
        for j, (quarter, country) in enumerate((("2027-Q1", "SE"), ("2027-Q2", "SE"), ("2027-Q1", "DK"),
                                                ("2027-Q2", "DK"))):
            quantity = 100 + 7 * i + 3 * j
            rows.append((org, quarter, country, "core" if i % 2 else "comprehensive", quantity, quantity * 90_000))
    add_pledges(app, world, rows)
    return world


def bearer(client, email) -> dict:
    return {"Authorization": f"Bearer {api_token(client, email)}"}


def compile_via_api(app, client, world, run_worker) -> None:
    response = client.post("/api/v1/alliances/ict/signals", json={"round_id": world.round_id},
                           headers=bearer(client, world.lead))
    assert response.status_code == 202
    run_worker()


def pledge_via_api(client, world, email, status="submitted", **fields) -> dict:
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "status": status,
                              "delivery_quarter": "2027-Q1", "country": "SE", "level": "core"} | fields
    response = client.post("/api/v1/alliances/ict/pledges", json=body, headers=bearer(client, world[email]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def public_latest(client) -> dict:
    response = client.get(LATEST)
    assert response.status_code == 200
    return response.get_json()


def numbers(view: dict) -> dict[tuple, tuple]:
    """Every published (quantity, value) of a public view, by table and position."""
    out = {}
    out[("totals",)] = (view["totals"]["quantity"], view["totals"]["value_minor"])
    for table in ("cells", "by_category", "by_quarter", "by_country", "by_level"):
        for row in view[table]:
            key = (table, *(row.get(f) for f in ("category", "quarter", "country", "level") if f in row))
            out[key] = (row["quantity"], row["value_minor"])
    return out


def csv_figures(client, summary_id) -> dict[tuple, tuple]:
    response = client.get(f"/api/v1/summaries/{summary_id}.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {tuple(row[:7]): (row[7], row[8]) for row in rows[1:]}


def ocds_amounts(client, summary_id) -> list:
    response = client.get(f"/api/v1/summaries/{summary_id}.ocds.json")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return sorted(float(a) for a in re.findall(r'"amount":\s*([0-9.]+)', text))


def differences(before: dict, after: dict) -> set:
    return {(key, after[key], before.get(key)) for key in after if after[key] != before.get(key)}


def reveals(diffs: set, quantity: int, value_minor: int) -> bool:
    """True when some published difference is exactly the pledge (quantity or value)."""
    for _key, now, then in diffs:
        for i, target in ((0, quantity), (1, value_minor)):
            if now[i] is not None and then is not None and then[i] is not None:
                try:
                    if abs(float(now[i]) - float(then[i]) - target) < 1e-9:
                        return True
                except ValueError:
                    continue
    return False


def released_snapshot_id(app, world, number: int) -> int:
    """The database id of the round's public release `number` (the public reads only the number)."""
    with app.app_context():
        return db.session.scalar(sa.select(Snapshot.id).where(Snapshot.round_id == world.round_id,
                                                              Snapshot.release_number == number))


def lead_user(app, world):
    return db.session.scalar(sa.select(User).where(User.email == world.lead))


def test_one_buyer_adding_to_a_passing_cell_moves_no_public_figure(app, client, run_worker):
    world = open_market(app)
    compile_via_api(app, client, world, run_worker)
    release_1 = public_latest(client)
    assert release_1["release"]["number"] == 1
    summary_1 = make_summary(app, world, snapshot_id=released_snapshot_id(app, world, 1))
    csv_1, ocds_1 = csv_figures(client, summary_1), ocds_amounts(client, summary_1)

    # Buyer A adds 10 laptops, 9,000 EUR, to Sweden 2027-Q1 (4 buyers: a cell that passes every rule).
    pledge_via_api(client, world, "a", quantity=10, estimated_value="9000.00")
    compile_via_api(app, client, world, run_worker)

    # The public keeps release 1: the difference of two public snapshots is nothing.
    again = public_latest(client)
    assert again["release"] == release_1["release"] and again["snapshot_id"] == release_1["snapshot_id"]
    assert differences(numbers(release_1["data"]), numbers(again["data"])) == set()
    # The lead sees the current figures and why the public does not.
    lead = client.get(LATEST, headers=bearer(client, world.lead)).get_json()
    assert lead["snapshot_id"] != released_snapshot_id(app, world, 1) and lead["release"]["number"] is None
    held = lead["data"]["release_check"]["held_reason"]
    assert held.startswith("held: 1 change from 1 buyer since public release 1")
    dashboard = app.test_client()
    login(dashboard, world.lead)
    page = dashboard.get("/alliances/ict/signals").text
    assert "Not released to the public. Since public release 1, only 1 buyer changed" in page
    french = dashboard.get("/alliances/ict/signals", headers={"Accept-Language": "fr"}).text
    assert "Depuis la publication 1" in french  # the reason in the lead's language
    public_page = client.get("/alliances/ict/signals").text
    assert "Public release 1 of" in public_page and "held" not in public_page

    # The lead publishes a new edition: it can only come from the released snapshot.
    lead_client = app.test_client()
    login(lead_client, world.lead)
    token = csrf_token(lead_client, f"/summaries/manage/{summary_1}")
    with app.app_context():
        version = db.session.get(DemandSummary, summary_1).version
    assert lead_client.post(f"/summaries/manage/{summary_1}/new-edition",
                            data={"csrf_token": token, "version": version}).status_code == 302
    with app.app_context():
        draft = db.session.scalar(sa.select(DemandSummary).where(DemandSummary.status == "draft"))
        draft_id, draft_version = draft.id, draft.version
        assert draft.snapshot_id == released_snapshot_id(app, world, 1)
    token = csrf_token(lead_client, f"/summaries/manage/{draft_id}")
    assert lead_client.post(f"/summaries/manage/{draft_id}/publish",
                            data={"csrf_token": token, "version": draft_version}).status_code == 302
    assert differences(csv_1, csv_figures(client, draft_id)) == set()
    assert ocds_amounts(client, draft_id) == ocds_1

    # Two more buyers change the same cell: now the change comes from 3 buyers and is released.
    pledge_via_api(client, world, "b", quantity=20, estimated_value="15000.00")
    pledge_via_api(client, world, "lead", quantity=30, estimated_value="16000.00")
    compile_via_api(app, client, world, run_worker)
    release_2 = public_latest(client)
    assert release_2["release"]["number"] == 2
    diffs = differences(numbers(release_1["data"]), numbers(release_2["data"]))
    assert diffs and not reveals(diffs, 10, 900_000)
    se_q1 = (numbers(release_2["data"])[("cells", LAPTOPS, "2027-Q1", "SE")],
             numbers(release_1["data"])[("cells", LAPTOPS, "2027-Q1", "SE")])
    assert se_q1[0][0] - se_q1[1][0] == 60 and se_q1[0][1] - se_q1[1][1] == 4_000_000
    assert release_2["data"]["change"]["previous_release"] == 1


def test_one_buyer_submits_while_two_others_save_drafts(app, client, run_worker):
    world = open_market(app)
    compile_via_api(app, client, world, run_worker)
    release_1 = public_latest(client)
    pledge_via_api(client, world, "a", quantity=10, estimated_value="9000.00")
    pledge_via_api(client, world, "b", status="draft", quantity=70, estimated_value="7000.00")
    pledge_via_api(client, world, "lead", status="draft", quantity=80, estimated_value="8000.00")
    compile_via_api(app, client, world, run_worker)
    after = public_latest(client)
    assert after["release"]["number"] == 1
    assert differences(numbers(release_1["data"]), numbers(after["data"])) == set()
    assert after["data"]["change"] == release_1["data"]["change"]
    with app.app_context():
        held = db.session.scalar(sa.select(Snapshot).where(Snapshot.release_number.is_(None)))
        assert held.held_reason.startswith("held: 1 change from 1 buyer")


def test_a_save_that_changes_nothing_is_no_change(app, client, run_worker):
    world = open_market(app)
    mine = pledge_via_api(client, world, "a", quantity=10, estimated_value="9000.00")
    compile_via_api(app, client, world, run_worker)
    # Saving the same figures again (a no-op edit) bumps the version and the edit time, not the figures.
    response = client.patch(f"/api/v1/pledges/{mine['id']}", json={"version": mine["version"], "quantity": 10},
                            headers=bearer(client, world.a))
    assert response.status_code == 200
    compile_via_api(app, client, world, run_worker)
    with app.app_context():
        snapshots = db.session.scalars(sa.select(Snapshot).order_by(Snapshot.id)).all()
        assert [s.release_number for s in snapshots] in ([1], [1, 2])  # recompiled or not: never held


def test_rival_buyers_withdrawing_to_isolate_a_buyer_are_held(app, client, run_worker):
    """B and the lead's organisation withdraw from Sweden 2027-Q2 to leave C alone with A; the totals would
    move by their own (known) pledges only, which is fewer than k buyers' change: held."""
    world = open_market(app)
    compile_via_api(app, client, world, run_worker)
    release_1 = public_latest(client)
    for email in ("b", "lead"):
        headers = bearer(client, world[email])
        listing = client.get("/api/v1/alliances/ict/pledges?status=submitted", headers=headers).get_json()
        for pledge in listing["items"] if isinstance(listing, dict) else listing:
            if pledge["delivery_quarter"] == "2027-Q2":
                client.delete(f"/api/v1/pledges/{pledge['id']}", json={"version": pledge["version"]},
                              headers=headers)
    compile_via_api(app, client, world, run_worker)
    assert public_latest(client)["release"] == release_1["release"]


def test_public_views_carry_no_metadata_about_pledges(app, client, run_worker):
    world = open_market(app)
    compile_via_api(app, client, world, run_worker)
    public_number = public_latest(client)["snapshot_id"]  # the public reads the release number
    summary_id = make_summary(app, world, snapshot_id=released_snapshot_id(app, world, public_number))
    with app.app_context():
        snapshot = db.session.scalar(sa.select(Snapshot))
        mark, compiled = snapshot.watermark, snapshot.compiled_at
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReleaseContribution)) > 0
    public = public_latest(client)
    assert public["compiled_at"] is None and public["release"]["number"] == 1
    assert "watermark" not in json.dumps(public) and "compiled_at" not in json.dumps(public["data"])
    with app.app_context():
        series = db.session.get(DemandSummary, summary_id).series_id
    pages = [LATEST, "/alliances/ict/signals", f"/api/v1/summaries/{summary_id}",
             f"/api/v1/summaries/{summary_id}.csv", f"/api/v1/summaries/{summary_id}.ocds.json",
             f"/summaries/{series}"]
    for page in pages:
        body = client.get(page).text
        assert mark not in body and "watermark" not in body and "pledge_count" not in body, page
        assert compiled.isoformat()[:26] not in body and compiled.strftime("%H:%M UTC") not in body, page
    lead = client.get(LATEST, headers=bearer(client, world.lead)).get_json()
    assert lead["data"]["watermark"] == mark and lead["compiled_at"]


def test_a_summary_is_published_only_from_a_released_snapshot(app, client, run_worker):
    world = open_market(app)
    compile_via_api(app, client, world, run_worker)
    pledge_via_api(client, world, "a", quantity=10, estimated_value="9000.00")
    compile_via_api(app, client, world, run_worker)
    with app.app_context():
        held = db.session.scalar(sa.select(Snapshot).where(Snapshot.release_number.is_(None)))
        with pytest.raises(ops.SummaryError, match="not released to the public"):
            ops.create_draft(lead_user(app, world), held.id, ops.SummaryFields(title="Held"))
        held_id = held.id
    lead_client = app.test_client()
    login(lead_client, world.lead)
    form = lead_client.get("/summaries/manage/new").text
    assert not re.search(rf'<option[^>]*value="{held_id}"', form)  # only released snapshots are offered
    token = csrf_token(lead_client, "/summaries/manage/new")
    lead_client.post("/summaries/manage/new", data={
        "csrf_token": token, "snapshot_id": held_id, "title": "From the held snapshot", "categories": [LAPTOPS]})
    with app.app_context():  # the form falls back to the released snapshot, never the held one
        assert held_id not in db.session.scalars(sa.select(DemandSummary.snapshot_id)).all()


def test_leads_always_see_current_figures(app, client, run_worker):
    world = open_market(app)
    compile_via_api(app, client, world, run_worker)
    before = next(r for r in public_latest(client)["data"]["by_category"] if r["category"] == LAPTOPS)["quantity"]
    extra = more_buyers(app, world, 1)[0]
    with app.app_context():
        db.session.add(Pledge(round_id=world.round_id, organisation_id=extra, category_id=world.laptops_id,
                              criteria_set_id=world.sets[f"{LAPTOPS}/v2"], level="core", quantity=777,
                              value_minor=77_700, currency="EUR", delivery_quarter="2027-Q1", country="SE",
                              status="submitted"))
        db.session.commit()
    compile_via_api(app, client, world, run_worker)
    lead = client.get(LATEST, headers=bearer(client, world.lead)).get_json()
    laptops = next(r for r in lead["data"]["by_category"] if r["category"] == LAPTOPS)
    assert laptops["quantity"] == before + 777
    assert "777" not in json.dumps(public_latest(client)["data"]["by_category"])


def test_release_audit_rechecks_every_release_from_the_stored_contributions(app, client, run_worker):
    from alliance.signals.releases import release_audit

    world = open_market(app)
    compile_via_api(app, client, world, run_worker)
    for email, quantity in (("a", 10), ("b", 20), ("lead", 30)):
        pledge_via_api(client, world, email, quantity=quantity, estimated_value=f"{quantity * 800}.00")
    compile_via_api(app, client, world, run_worker)
    pledge_via_api(client, world, "a", quantity=5, estimated_value="4000.00")
    compile_via_api(app, client, world, run_worker)
    with app.app_context():
        lines = release_audit(world.round_id)
    assert [breach for _, breach in lines] == [False, False]
    assert lines[0][0].startswith("release 2 vs 1: ok")
    assert "not released (held: 1 change from 1 buyer since public release 2" in lines[1][0]
