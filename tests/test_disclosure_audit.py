"""Attacks on one public release by linear programming (tests/lp_attacker.py, the tests' own attacker):
no figure hidden by the threshold, dominance or p% rule may be narrowed to less than ±P %."""

import re
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.disclosure import layout_groups, protect
from alliance.disclosure.protection import protect_release
from alliance.disclosure.rules import dominance_reason, p_percent_reason, threshold_reason
from alliance.disclosure.snapshot_audit import audit_view
from alliance.signals import snapshots, views
from alliance.signals.aggregation import Aggregates
from alliance.signals.contract import figure_rows
from tests.factories import (
    add_member,
    api_token,
    email_of,
    login,
    make_organisation,
    make_pledging_round,
    make_user,
)
from tests.lp_attacker import attack, pinned
from tests.test_disclosure import aggregate
from tests.test_signals import compile_round

CODES = {1: "30213100-6", 2: "30231310-3"}
LAPTOPS = CODES[1]


def k_and_dominance_only(figures, groups, k, p, percent):
    """The rules the attacks below were found against: threshold and dominance with secondary suppression, no
    LP audit, and no p% rule (P = 0 asks for nothing to be left beside the two largest buyers)."""
    return protect(figures, groups, k, p, 0)


def aggregates(pledges) -> Aggregates:
    figures = aggregate(pledges)
    comprehensive = {("total",): 0}
    countries: dict[tuple, int] = defaultdict(int)
    for key, fig in figures.items():
        if key[0] == "level" and key[2] == "comprehensive":
            comprehensive[("category", key[1])] = fig.value_minor
            comprehensive[("total",)] += fig.value_minor
        elif key[0] == "country":
            countries[("category", key[1])] += 1
    countries[("total",)] = len({key[2] for key in figures if key[0] == "country"})
    return Aggregates(figures, comprehensive, dict(countries), {})


def release(pledges, k=3, p=80, percent=20, rules=None):
    """(lead view, public view) of the pledges, protected by protect_release (or the `rules` given)."""
    agg = aggregates(pledges)
    groups = layout_groups(agg.figures)
    reasons = rules(agg.figures, groups, k, p, percent) if rules else protect_release(agg.figures, groups, k, p, percent)
    return views.build_view(agg, reasons, CODES, False), views.build_view(agg, reasons, CODES, True)


pledge = st.tuples(
    st.integers(1, 9),  # buyer
    st.sampled_from([1, 2]),  # category
    st.sampled_from(["2027-Q1", "2027-Q2", "2027-Q3", "2028-Q1"]),
    st.sampled_from(["SE", "DK", "FR", "DE"]),
    st.sampled_from(["core", "comprehensive"]),
    st.sampled_from([10, 11]),  # criteria set
    st.one_of(st.integers(1, 400), st.integers(1000, 8000)),
    st.integers(0, 900_000),
)


@settings(max_examples=80, deadline=None)
@given(pledges=st.lists(pledge, min_size=1, max_size=45), k=st.integers(2, 4), p=st.sampled_from([60, 80]),
       percent=st.sampled_from([10, 20, 40]))
def test_no_primary_suppressed_figure_is_pinned_within_p_percent(pledges, k, p, percent):
    lead, public = release(pledges, k, p, percent)
    assert pinned(lead, public, percent, {threshold_reason(k), dominance_reason(p), p_percent_reason(percent)}) == []


# A round found by running random rounds through the rules alone: buyer 1 holds 6,628 of a 2-buyer cell of
# 7,183 units, and the published tables pin that cell exactly.
TWO_BUYER_ROUND = [
    (1, 1, "2027-Q1", "FR", "core", 10, 6628, 5302400), (2, 1, "2027-Q1", "FR", "core", 10, 555, 444000),
    (6, 1, "2027-Q2", "DE", "comprehensive", 10, 653, 709811), (8, 1, "2027-Q3", "FR", "comprehensive", 10, 393, 418152),
    (6, 1, "2027-Q3", "SE", "core", 10, 29, 23693), (5, 1, "2027-Q2", "SE", "comprehensive", 10, 887, 959734),
    (8, 1, "2028-Q1", "SE", "comprehensive", 10, 739, 652537), (4, 1, "2028-Q1", "SE", "core", 10, 634, 542070),
    (4, 1, "2027-Q2", "DE", "core", 10, 570, 603060), (8, 1, "2027-Q3", "DK", "comprehensive", 10, 562, 454096),
    (9, 1, "2027-Q3", "SE", "comprehensive", 10, 897, 962481), (3, 1, "2027-Q3", "SE", "core", 10, 473, 436579),
    (6, 1, "2027-Q1", "SE", "core", 10, 784, 575456), (9, 1, "2028-Q1", "DE", "core", 10, 502, 456318),
]
TWO_BUYER_CELL = ("cell", LAPTOPS, "2027-Q1", "FR")


def test_the_two_buyer_cell_of_7183_units_was_recovered_exactly_by_the_rules_alone():
    lead, public = release(TWO_BUYER_ROUND, rules=k_and_dominance_only)
    assert next(c for c in lead["cells"] if (c["quarter"], c["country"]) == ("2027-Q1", "FR"))["quantity"] == 7183
    assert attack(public, "quantity")[TWO_BUYER_CELL] == (7183, 7183)


def test_the_two_buyer_cell_of_7183_units_is_now_uncertain_by_20_percent():
    lead, public = release(TWO_BUYER_ROUND)
    low, high = attack(public, "quantity")[TWO_BUYER_CELL]
    assert low <= 7183 * 0.8 and high >= 7183 * 1.2
    low, high = attack(public, "value_minor")[TWO_BUYER_CELL]
    assert low <= 5_746_400 * 0.8 and high >= 5_746_400 * 1.2
    assert pinned(lead, public, 20, {threshold_reason(3), dominance_reason(80), p_percent_reason(20)}) == []


def test_a_hidden_value_of_0_is_not_pinned_by_a_published_total_of_0():
    # Donated goods: every value is 0, so a published value total of 0 would pin each hidden value to 0.
    pledges = [(b, 1, "2027-Q1", "SE", "core", 10, 100 + b, 0) for b in (1, 2, 3)]
    pledges += [(4, 1, "2027-Q1", "DK", "core", 10, 50, 0), (5, 1, "2027-Q1", "DK", "core", 10, 60, 0)]
    lead, public = release(pledges)
    dk = ("cell", LAPTOPS, "2027-Q1", "DK")
    low, high = attack(public, "value_minor")[dk]
    assert low == 0 and high >= 1
    assert pinned(lead, public, 20, {threshold_reason(3), dominance_reason(80), p_percent_reason(20)}) == []


# The live case of the issue: eight buyers pledge through the API; the French buyer alone in 2028-Q1 pledges
# 777 units for 77,123.45 EUR. The other French cells have one or two buyers each.
LIVE = [
    ("2028-Q1", "FR", "core", 777, "77123.45"),
    ("2027-Q1", "SE", "core", 456, "4669.44"), ("2027-Q1", "FR", "comprehensive", 350, "3552.50"),
    ("2027-Q1", "FR", "core", 199, "2338.25"), ("2027-Q1", "SE", "core", 62, "521.42"),
    ("2027-Q3", "DE", "comprehensive", 321, "3646.56"), ("2027-Q4", "DE", "comprehensive", 55, "485.10"),
    ("2027-Q4", "DE", "comprehensive", 560, "4586.40"), ("2027-Q3", "DE", "comprehensive", 201, "2249.19"),
    ("2027-Q4", "DE", "comprehensive", 133, "1295.42"), ("2027-Q4", "DE", "comprehensive", 419, "3628.54"),
]
LIVE_BUYERS = [0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7]  # which of the eight buyers pledges each line


def live_pledges():
    return [(buyer, 1, quarter, country, level, 10, quantity, round(float(value) * 100))
            for (quarter, country, level, quantity, value), buyer in zip(LIVE, LIVE_BUYERS, strict=True)]


def test_the_live_layout_gave_777_units_and_77123_45_eur_away_under_the_rules_alone():
    _, public = release(live_pledges(), rules=k_and_dominance_only)
    cell = ("cell", LAPTOPS, "2028-Q1", "FR")
    assert attack(public, "quantity")[cell] == (777, 777)
    assert attack(public, "value_minor")[cell] == (7_712_345, 7_712_345)


def pledge_live_round(app, client) -> dict:
    """The live layout, pledged through the API by eight buyers; returns the round's world."""
    world = make_pledging_round(app)
    buyers = [world.lead, world.a, world.b]
    for _ in range(5):
        organisation = make_organisation(app)
        add_member(app, world.alliance_id, organisation)
        buyers.append(email_of(app, make_user(app, organisation)))
    tokens = {email: api_token(client, email) for email in buyers}
    for (quarter, country, level, quantity, value), buyer in zip(LIVE, LIVE_BUYERS, strict=True):
        body = {"round_id": world.round_id, "category": LAPTOPS, "criteria_version": 2, "level": level,
                "quantity": quantity, "estimated_value": value, "currency": "EUR", "delivery_quarter": quarter,
                "country": country, "status": "submitted"}
        response = client.post("/api/v1/alliances/ict/pledges", json=body,
                               headers={"Authorization": f"Bearer {tokens[buyers[buyer]]}"})
        assert response.status_code == 201, response.get_json()
    return world


def test_the_live_attack_through_the_public_api_fails(app, client):
    world = pledge_live_round(app, client)
    compile_round(app, world.round_id)
    public = client.get("/api/v1/alliances/ict/signals/latest").get_json()
    assert public["view"] == "public"
    snapshot = public["data"]
    cell = ("cell", LAPTOPS, "2028-Q1", "FR")
    low, high = attack(snapshot, "quantity")[cell]
    assert low <= 777 * 0.8 and high >= 777 * 1.2
    low, high = attack(snapshot, "value_minor")[cell]
    assert low <= 7_712_345 * 0.8 and high >= 7_712_345 * 1.2
    body = client.get("/api/v1/alliances/ict/signals/latest").get_data(as_text=True)
    assert not re.search(r"\b777\b", body) and "7712345" not in body

    # The auditor's command agrees: every hidden figure listed with its range against the truth, no breach.
    result = app.test_cli_runner().invoke(args=["disclosure-audit", str(world.round_id)])
    assert result.exit_code == 0, result.output
    assert "cell 30213100-6 2028-Q1 FR: true 777" in result.output and "BREACH" not in result.output
    assert "protection interval ±20 %" in result.output

    # The lead's dashboard says so.
    login(client, world.lead)
    page = client.get("/alliances/ict/signals").get_data(as_text=True)
    assert re.search(r"Audited: every hidden figure is uncertain by at least\s+±20 %", page)


def test_the_audit_command_exits_1_when_a_release_was_protected_by_the_rules_alone(app, client, monkeypatch):
    world = pledge_live_round(app, client)
    monkeypatch.setattr(snapshots, "protect_release", k_and_dominance_only)
    compile_round(app, world.round_id)
    result = app.test_cli_runner().invoke(args=["disclosure-audit", str(world.round_id)])
    assert result.exit_code == 1
    assert re.search(r"BREACH quantity +cell 30213100-6 2028-Q1 FR: true 777, attacker's range 777 \.\. 777", result.output)
    assert app.test_cli_runner().invoke(args=["disclosure-audit", "999999"]).exit_code != 0


def test_audit_view_reports_the_exact_range_of_every_hidden_figure():
    lead, _ = release(live_pledges(), rules=k_and_dominance_only)
    audits = {(a.key, a.measure): a for a in audit_view(figure_rows(lead), 20)}
    cell = audits[(("cell", LAPTOPS, "2028-Q1", "FR"), "value_minor")]
    assert (cell.low, cell.high, cell.protected) == (7_712_345, 7_712_345, False)
    lead, _ = release(live_pledges())
    assert all(a.protected for a in audit_view(figure_rows(lead), 20))
