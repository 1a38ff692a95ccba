"""Compiling snapshots from pledges in the database, and the dashboard as each role sees it."""

import json
import re

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Criterion, Organisation, Pledge, Snapshot
from alliance.signals.snapshots import compile_signals, latest_snapshot
from tests.factories import add_member, email_of, login, make_organisation, make_pledging_round, make_user

LAPTOPS = "30213100-6"


def add_pledges(app, world, rows) -> list[int]:
    """rows: (organisation id, quarter, country, level, quantity, value_minor[, status]) of laptops, set v2."""
    with app.app_context():
        pledges = [
            Pledge(round_id=world.round_id, organisation_id=org, category_id=world.laptops_id,
                   criteria_set_id=world.sets[f"{LAPTOPS}/v2"], level=level, quantity=quantity,
                   value_minor=value, currency="EUR", delivery_quarter=quarter, country=country,
                   status=status[0] if status else "submitted")
            for org, quarter, country, level, quantity, value, *status in rows
        ]
        db.session.add_all(pledges)
        db.session.commit()
        return [p.id for p in pledges]


def more_buyers(app, world, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        org = make_organisation(app)
        add_member(app, world.alliance_id, org)
        ids.append(org)
    return ids


def compile_round(app, round_id) -> int:
    with app.app_context():
        snapshot = compile_signals(round_id)
        db.session.commit()
        return snapshot.id


def market(app):
    """A round where Sweden has 4 buyers, Denmark one buyer (613 laptops, a figure only leads may see)."""
    world = make_pledging_round(app)
    c, d = more_buyers(app, world, 2)
    a, b, lead = world.a_org, world.b_org, world.lead_org
    rows = [(a, "2027-Q1", "SE", "core", 120, 100_000), (b, "2027-Q1", "SE", "core", 140, 110_000),
            (c, "2027-Q1", "SE", "comprehensive", 130, 120_000), (lead, "2027-Q1", "SE", "comprehensive", 150, 125_000),
            (a, "2027-Q2", "SE", "core", 200, 150_000), (b, "2027-Q2", "SE", "core", 210, 160_000),
            (c, "2027-Q2", "SE", "comprehensive", 220, 170_000), (lead, "2027-Q2", "SE", "core", 230, 180_000),
            (d, "2027-Q2", "DK", "core", 613, 457_901),
            (a, "2027-Q1", "SE", "core", 999_999, 1, "draft"), (b, "2027-Q1", "SE", "core", 888_888, 1, "withdrawn")]
    add_pledges(app, world, rows)
    return world


def test_compile_aggregates_submitted_pledges_and_suppresses(app):
    world = market(app)
    snapshot_id = compile_round(app, world.round_id)
    with app.app_context():
        snapshot = db.session.get(Snapshot, snapshot_id)
        lead, public = snapshot.lead_data, snapshot.public_data
        assert snapshot.pledge_count == 9
        laptops = next(r for r in lead["by_category"] if r["category"] == LAPTOPS)
        assert (laptops["quantity"], laptops["buyers"], laptops["countries"]) == (2013, 5, 2)
        dk = next(r for r in lead["cells"] if r["country"] == "DK")
        assert dk["quantity"] == 613 and dk["suppressed"] and dk["reason"] == "fewer than 3 buyers"
        public_dk = next(r for r in public["cells"] if r["country"] == "DK")
        assert public_dk == {"category": LAPTOPS, "quarter": "2027-Q2", "country": "DK", "quantity": None,
                             "value_minor": None, "buyers": None, "suppressed": True, "reason": "fewer than 3 buyers",
                             "reason_code": "k:3"}
        # Q2 = SE + DK: with DK hidden, SE Q2 goes too, or DK = Q2 − SE.
        public_q2_se = next(r for r in public["cells"] if r["quarter"] == "2027-Q2" and r["country"] == "SE")
        assert public_q2_se["quantity"] is None
        assert public_q2_se["reason"] == "hidden so a suppressed figure cannot be derived"
        # Levels: comprehensive = 500 of 2213, with 2 buyers → hidden, and core with it.
        assert all(r["quantity"] is None for r in public["by_level"])
        assert next(r for r in public["by_category"])["comprehensive_value_share"] is None
        lead_share = next(r for r in lead["by_category"])["comprehensive_value_share"]
        assert lead_share == round(415_000 / 1_572_901, 4)
        # (the watermark and compile time are timestamps that may contain any digits)
        figures = str({key: value for key, value in public.items() if key not in ("watermark", "compiled_at")})
        assert "613" not in figures and "457901" not in figures


def test_round_with_two_buyers_publishes_nothing_but_the_reason(app):
    world = make_pledging_round(app)
    add_pledges(app, world, [(world.a_org, "2027-Q1", "SE", "core", 50, 1000),
                             (world.b_org, "2027-Q2", "DK", "comprehensive", 70, 2000)])
    snapshot_id = compile_round(app, world.round_id)
    with app.app_context():
        public = db.session.get(Snapshot, snapshot_id).public_data
    figures = [public["totals"], *public["cells"], *public["by_category"], *public["by_quarter"],
               *public["by_country"], *public["by_level"]]
    assert all(f["quantity"] is None and f["value_minor"] is None and f["buyers"] is None for f in figures)
    assert {f["reason"] for f in figures} == {"fewer than 3 buyers"}


def test_recompile_on_unchanged_pledges_returns_the_same_snapshot_and_change_is_tracked(app):
    world = market(app)
    first = compile_round(app, world.round_id)
    assert compile_round(app, world.round_id) == first
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot)) == 1
        assert db.session.get(Snapshot, first).release_number == 1
    e = more_buyers(app, world, 1)[0]
    add_pledges(app, world, [(e, "2027-Q1", "SE", "core", 100, 50_000)])
    second = compile_round(app, world.round_id)
    assert second != first
    with app.app_context():
        snapshot = db.session.get(Snapshot, second)
        lead_change = snapshot.lead_data["change"]
        assert lead_change["previous_snapshot_id"] == first
        laptops = next(r for r in lead_change["by_category"] if r["category"] == LAPTOPS)
        assert laptops == {"category": LAPTOPS, "quantity": 100, "value_minor": 50_000}
        # one buyer's edit: every published difference would be exactly that buyer's pledge, so the
        # snapshot is held: the public keeps release 1, the lead sees why
        assert snapshot.release_number is None and snapshot.held_reason.startswith("held: 1 change from 1 buyer")
        assert snapshot.lead_data["release_check"]["released"] is False
        assert latest_snapshot(world.round_id).id == second
        assert latest_snapshot(world.round_id, view="public").id == first
    f, g = more_buyers(app, world, 2)
    add_pledges(app, world, [(f, "2027-Q1", "SE", "core", 20, 16_000), (g, "2027-Q1", "SE", "core", 30, 17_000)])
    third = compile_round(app, world.round_id)
    with app.app_context():
        snapshot = db.session.get(Snapshot, third)
        assert snapshot.release_number == 2 and latest_snapshot(world.round_id, view="public").id == third
        public_change = snapshot.public_data["change"]
        assert public_change["previous_release"] == 1 and public_change["previous_snapshot_id"] is None
        laptops = next(r for r in public_change["by_category"] if r["category"] == LAPTOPS)
        assert laptops == {"category": LAPTOPS, "quantity": 150, "value_minor": 83_000}


def test_impact_estimates_only_for_cited_factors_and_follow_suppression(app):
    world = market(app)
    with app.app_context():
        set_id = world.sets[f"{LAPTOPS}/v2"]
        common = {"criteria_set_id": set_id, "text": "...", "type": "award", "source": "EU GPP 2021"}
        db.session.add_all([
            Criterion(code="C1", title="Energy", level="core", impact_factor=0.5, impact_unit="kg CO2e per unit",
                      impact_source="A cited study, table 3", **common),
            Criterion(code="C2", title="Spare parts", level="comprehensive", impact_factor=2.0,
                      impact_unit="kg CO2e per unit", impact_source="Another cited source", **common),
            Criterion(code="C3", title="No factor", level="core", **common),
        ])
        db.session.commit()
    snapshot_id = compile_round(app, world.round_id)
    with app.app_context():
        snapshot = db.session.get(Snapshot, snapshot_id)
        lead = {r["criterion_code"]: r for r in snapshot.lead_data["impact"]}
        public = {r["criterion_code"]: r for r in snapshot.public_data["impact"]}
    assert set(lead) == {"C1", "C2"}
    assert lead["C1"]["estimate"] == 0.5 * 1513 and lead["C1"]["source"] == "A cited study, table 3"
    # Comprehensive quantity has 2 buyers: hidden, and core (derivable from the category total) too.
    assert public["C2"]["estimate"] is None and public["C2"]["suppressed"]
    assert public["C1"]["estimate"] is None and public["C1"]["factor"] == 0.5


def body_for(app, client, world, email):
    if email:
        login(client, email)
    return client.get("/alliances/ict/signals").get_data(as_text=True)


def test_dashboard_per_role_never_shows_a_suppressed_figure(app, client):
    world = market(app)
    compile_round(app, world.round_id)
    supplier = world.supplier
    lead_html = body_for(app, app.test_client(), world, world.lead)
    assert "613" in lead_html and "hidden: fewer than 3 buyers" in lead_html and "Compile now" in lead_html
    for email in (world.a, world.b, supplier, world.outsider, None):
        html = body_for(app, app.test_client(), world, email)
        assert "fewer than 3 buyers" in html
        assert not re.search(r"\b613\b", html) and "4,579.01" not in html, email
        assert "Compile now" not in html
        assert "<script" not in html and "style=" not in html


def test_dashboard_before_any_compile_and_unknown_round(app, client):
    world = make_pledging_round(app)
    assert "No signals have been compiled" in client.get("/alliances/ict/signals").get_data(as_text=True)
    assert client.get("/alliances/ict/signals?round=99999").status_code == 404
    assert client.get("/alliances/nope/signals").status_code == 404
    with app.app_context():
        assert db.session.get(Organisation, world.a_org) is not None


def test_compile_now_button_is_for_leads_only_and_needs_csrf(app, client):
    world = market(app)
    login(client, world.a)
    html = client.get("/alliances/ict/signals").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    url = f"/alliances/ict/signals/{world.round_id}/compile"
    assert client.post(url, data={"csrf_token": token}).status_code == 403
    lead_client = app.test_client()
    login(lead_client, world.lead)
    assert lead_client.post(url).status_code == 400  # no CSRF token
    other_user = make_user(app, world.lead_org)
    assert email_of(app, other_user)


def test_hidden_figures_give_their_reason_in_the_readers_language_old_snapshots_too(app, client):
    """A snapshot stores the rule's code ("k:3"); the page words it in the reader's language. A snapshot
    compiled before the codes existed carries only the English sentence, and reads the same."""
    world = market(app)
    snapshot_id = compile_round(app, world.round_id)
    french, spanish = {"Accept-Language": "fr-FR,fr;q=0.9"}, {"Accept-Language": "es-ES,es;q=0.9"}
    page = client.get("/alliances/ict/signals", headers=french).get_data(as_text=True)
    assert "masqué : moins de 3 acheteurs" in page and "fewer than 3 buyers" not in page
    assert "menos de 3 compradores" in client.get("/alliances/ict/signals", headers=spanish).get_data(as_text=True)
    with app.app_context():
        snapshot = db.session.get(Snapshot, snapshot_id)
        old = json.loads(json.dumps(snapshot.public_data).replace('"reason_code": "k:3"', '"reason_code": null'))
        assert "k:3" not in json.dumps(old)
        snapshot.public_data = old
        db.session.commit()
    member = app.test_client()  # a signed-in reader's page is rendered afresh, never a kept copy
    login(member, world.a)
    page = member.get("/alliances/ict/signals", headers=french).get_data(as_text=True)
    assert "masqué : moins de 3 acheteurs" in page and "fewer than 3 buyers" not in page


def test_the_contract_reads_a_view_stored_before_reason_codes_without_changing_it():
    from alliance.signals.contract import figure_rows, from_json

    stored = {"totals": {"quantity": None, "value_minor": None, "buyers": None, "suppressed": True,
                         "reason": "hidden so a suppressed figure cannot be derived"},
              "cells": [{"category": LAPTOPS, "quarter": "2027-Q2", "country": "DK", "quantity": None,
                         "value_minor": None, "buyers": None, "suppressed": True, "reason": "fewer than 3 buyers"}],
              "readiness": [{"criterion_id": 1, "suppressed": True,
                             "reason": "fewer than 3 suppliers; one buyer holds more than 80% of the volume"}]}
    view = from_json(stored)
    assert view["cells"][0]["reason_code"] == "k:3" and view["totals"]["reason_code"] == "s"
    assert view["readiness"][0]["reason_code"] == "ks:3;p:80"
    assert "reason_code" not in stored["cells"][0]  # the stored JSON is left as it was
    assert [key for key, _ in figure_rows(view)] == [("total",), ("cell", LAPTOPS, "2027-Q2", "DK")]


def test_the_compile_finds_each_figures_two_largest_buyers_for_the_p_percent_rule(app):
    """The SQL rollups (and readiness's required quantities) give every figure its largest and second-largest
    buyer by quantity and by value, ties and single buyers included, as a reference in Python does."""
    from alliance.signals.aggregation import aggregate_round, per_buyer_rows
    from alliance.suppliers.readiness import required_quantities
    from tests.test_disclosure import aggregate

    world = make_pledging_round(app)
    c, d = more_buyers(app, world, 2)
    a, b, lead = world.a_org, world.b_org, world.lead_org
    rows = [(a, "2027-Q1", "SE", "core", 100, 90_000), (a, "2027-Q1", "SE", "core", 200, 10_000),  # a: 300 in two
            (b, "2027-Q1", "SE", "comprehensive", 300, 50_000),  # ties with a by quantity
            (c, "2027-Q1", "SE", "core", 50, 100_000), (lead, "2027-Q1", "SE", "comprehensive", 10, 0),
            (d, "2027-Q2", "DK", "core", 613, 457_901),  # alone in its cell: no second buyer
            (b, "2027-Q2", "SE", "comprehensive", 790, 790), (c, "2027-Q2", "SE", "core", 200, 200),
            (a, "2027-Q2", "SE", "core", 10, 10), (a, "2027-Q3", "SE", "core", 5, 5, "draft")]
    add_pledges(app, world, rows)
    set_id = world.sets[f"{LAPTOPS}/v2"]
    pledges = [(org, world.laptops_id, quarter, country, level, set_id, quantity, value)
               for org, quarter, country, level, quantity, value, *status in rows if not status]
    with app.app_context():
        with per_buyer_rows(world.round_id) as per_buyer:
            agg = aggregate_round(per_buyer)
        required = required_quantities(world.round_id)
        db.session.rollback()
    assert agg.figures == aggregate(pledges)
    assert agg.figures[("cell", world.laptops_id, "2027-Q1", "SE")].second_quantity == 300  # the tie
    assert agg.figures[("cell", world.laptops_id, "2027-Q2", "DK")].second_quantity == 0
    core = aggregate([(*p[:4], "any", *p[5:]) for p in pledges])[("set", world.laptops_id, set_id, "any")]
    comprehensive = aggregate([p for p in pledges if p[4] == "comprehensive"])
    expected = {(set_id, "core"): core,
                (set_id, "comprehensive"): comprehensive[("set", world.laptops_id, set_id, "comprehensive")]}
    assert required == agg.required == expected
