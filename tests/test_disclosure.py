"""Disclosure control on random pledge sets: no published figure breaks a rule, and no suppressed figure
can be worked out from the published figures of its row or column."""

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.disclosure.rules import (
    SECONDARY,
    Figures,
    Group,
    dominance_reason,
    layout_groups,
    p_percent_reason,
    primary_reason,
    protect,
    threshold_reason,
)
from alliance.signals.aggregation import ROLLUPS


def aggregate(pledges) -> dict[tuple, Figures]:
    """A reference aggregation in Python of (org, category, quarter, country, level, set, qty, value)."""
    per_buyer: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for org, cat, quarter, country, level, set_id, quantity, value in pledges:
        row = {"category_id": cat, "quarter": quarter, "country": country, "level": level, "criteria_set_id": set_id}
        for table, dims in ROLLUPS.items():
            sums = per_buyer[(table, tuple(row[d] for d in dims), org)]
            sums[0] += quantity
            sums[1] += value
    shares: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for (table, position, _org), (quantity, value) in per_buyer.items():
        shares[(table, *position)].append((quantity, value))
    figures = {}
    for key, buyers in shares.items():
        quantities = sorted((q for q, _ in buyers), reverse=True) + [0]
        values = sorted((v for _, v in buyers), reverse=True) + [0]
        figures[key] = Figures(sum(quantities), sum(values), len(buyers), quantities[0], values[0], quantities[1],
                               values[1])
    return figures


pledge = st.tuples(
    st.integers(1, 7),  # buyer
    st.sampled_from([1, 2]),  # category
    st.sampled_from(["2027-Q1", "2027-Q2", "2027-Q3"]),
    st.sampled_from(["SE", "DK", "FI"]),
    st.sampled_from(["core", "comprehensive"]),
    st.sampled_from([10, 11]),  # criteria set
    st.integers(1, 40),
    st.integers(0, 5000),
)


def published_sum(group: Group, figures, reasons, field: str) -> int:
    return sum(getattr(figures[m], field) for m in group.members if m not in reasons)


@settings(max_examples=300, deadline=None)
@given(pledges=st.lists(pledge, min_size=1, max_size=40), k=st.integers(2, 4), p=st.sampled_from([50, 80, 95]),
       percent=st.sampled_from([5, 20, 50]))
def test_published_figures_obey_the_rules_and_hidden_ones_cannot_be_derived(pledges, k, p, percent):
    figures = aggregate(pledges)
    groups = layout_groups(figures)
    reasons = protect(figures, groups, k, p, percent)
    # (a) every published figure has at least k buyers, no dominant buyer, and leaves the second-largest
    # buyer at least percent % of the largest one's share unaccounted for (the p% rule), by both measures
    for key, fig in figures.items():
        if key not in reasons:
            assert fig.buyers >= k
            assert fig.top_quantity * 100 <= p * fig.quantity
            assert fig.value_minor == 0 or fig.top_value * 100 <= p * fig.value_minor
            assert (fig.quantity - fig.top_quantity - fig.second_quantity) * 100 >= percent * fig.top_quantity
            assert (fig.value_minor - fig.top_value - fig.second_value) * 100 >= percent * fig.top_value
    for group in groups:
        hidden = [m for m in group.members if m in reasons]
        if group.total in reasons:
            # a hidden total is not the sum of published members
            assert hidden, (group, reasons)
            continue
        # (b) a row or column with a published total hides none or at least two members
        assert len(hidden) != 1, (group, reasons)
        if not hidden:
            continue
        # (c) brute force: every value a hidden member could take, given the published total and members
        rest_q = figures[group.total].quantity - published_sum(group, figures, reasons, "quantity")
        rest_v = figures[group.total].value_minor - published_sum(group, figures, reasons, "value_minor")
        n = len(hidden)
        possible_q = [x for x in range(1, rest_q + 1) if rest_q - x >= n - 1]  # others hold ≥ 1 each
        possible_v = [x for x in range(0, rest_v + 1)]  # others may hold 0
        assert len(possible_q) >= 2, (group, hidden)
        if figures[group.total].value_minor > 0:
            assert len(possible_v) >= 2, (group, hidden)


def test_two_buyers_publish_nothing_but_the_reason():
    pledges = [(1, 1, "2027-Q1", "SE", "core", 10, 100, 1000), (2, 1, "2027-Q2", "DK", "core", 10, 120, 900)]
    figures = aggregate(pledges)
    reasons = protect(figures, layout_groups(figures), 3, 80, 20)
    assert set(reasons) == set(figures)
    assert set(reasons.values()) == {"fewer than 3 buyers"}


def test_a_dominant_buyers_cell_is_hidden_and_a_neighbour_with_it():
    pledges = [(b, 1, "2027-Q1", "SE", "core", 10, 10, 100) for b in (1, 2, 3)]
    pledges += [(1, 1, "2027-Q1", "DK", "core", 10, 300, 100), (2, 1, "2027-Q1", "DK", "core", 10, 5, 100),
                (3, 1, "2027-Q1", "DK", "core", 10, 5, 100)]
    pledges += [(b, 1, "2027-Q1", "FI", "core", 10, 100, 100) for b in (2, 4, 5)]
    figures = aggregate(pledges)
    reasons = protect(figures, layout_groups(figures), 3, 80, 20)
    assert reasons[("cell", 1, "2027-Q1", "DK")] == "one buyer holds more than 80% of the volume"
    # The quarter row has a published total, so the smallest other cell is hidden too.
    assert reasons[("cell", 1, "2027-Q1", "SE")] == SECONDARY
    assert ("cell", 1, "2027-Q1", "FI") not in reasons


def test_primary_rules():
    assert primary_reason(Figures(100, 0, 2, 40, 0, 40, 0), 3, 80, 20) == threshold_reason(3)
    assert primary_reason(Figures(100, 0, 3, 81, 0, 10, 0), 3, 80, 20) == dominance_reason(80)
    assert primary_reason(Figures(100, 0, 3, 80, 0, 3, 0), 3, 80, 20) is None  # exactly p % is allowed
    assert primary_reason(Figures(100, 1000, 3, 40, 900, 30, 50), 3, 80, 20) == dominance_reason(80)  # by value


def test_the_p_percent_rule_hides_a_figure_the_second_largest_buyer_could_narrow_down():
    # 790 + 200 + 10: the largest holds 79 % (passes p = 80), but the 200-unit buyer knows the largest
    # holds 1000 - 200 - (at least 1) = 799 at most, within 1.2 %.
    assert primary_reason(Figures(1000, 0, 3, 790, 0, 200, 0), 3, 80, 20) == p_percent_reason(20)
    # What the two largest leave is exactly 20 % of the largest: the rule's edge passes.
    assert primary_reason(Figures(700, 0, 3, 500, 0, 100, 0), 3, 80, 20) is None
    assert primary_reason(Figures(699, 0, 3, 500, 0, 100, 0), 3, 80, 20) == p_percent_reason(20)
    # By value alone.
    assert primary_reason(Figures(300, 1000, 3, 100, 790, 100, 200), 3, 80, 20) == p_percent_reason(20)
    # Two buyers leave nothing: with k = 2, the rule still hides the figure.
    assert primary_reason(Figures(900, 0, 2, 500, 0, 400, 0), 2, 80, 20) == p_percent_reason(20)
    # A larger P asks for more left over.
    assert primary_reason(Figures(1000, 0, 4, 400, 0, 300, 0), 3, 80, 50) is None
    assert primary_reason(Figures(1000, 0, 4, 400, 0, 300, 0), 3, 80, 80) == p_percent_reason(80)


def test_the_total_goes_when_no_other_member_can_hide_the_one():
    figures = {("category", 1): Figures(50, 0, 2, 30, 0, 20, 0), ("total",): Figures(50, 0, 2, 30, 0, 20, 0)}
    groups = [Group(("total",), (("category", 1),))]
    assert protect(figures, groups, 3, 80, 20) == {("category", 1): threshold_reason(3),
                                                   ("total",): threshold_reason(3)}
    figures = {("category", 1): Figures(50, 0, 2, 30, 0, 20, 0), ("total",): Figures(50, 0, 5, 10, 0, 10, 0)}
    assert protect(figures, groups, 3, 80, 20) == {("category", 1): threshold_reason(3), ("total",): SECONDARY}


def test_note_keys_name_the_rule_not_a_position():
    from alliance.disclosure.protection import AUDIT_REASON
    from alliance.disclosure.reasons import note_key
    from alliance.disclosure.rules import SECONDARY, dominance_reason, threshold_reason

    assert [note_key(r) for r in (threshold_reason(3), threshold_reason(5), dominance_reason(80), SECONDARY,
                                  AUDIT_REASON, "not published")] == ["k", "k", "p", "s", "a", "*"]
    # Snapshots store the rule's code; the key is the same whichever form a page reads.
    assert [note_key(c) for c in ("k:3", "ks:3;p:80", "p:80", "s", "a", "n")] == ["k", "k", "p", "s", "a", "*"]
    # The p% rule has its own key: its reason is not the dominance rule's.
    assert [note_key(r) for r in ("pp:20", p_percent_reason(20))] == ["p%", "p%"]


def test_dashboard_marks_keep_their_key_between_snapshots(app, client):
    """A lead's dashboard legend lists reasons by key, and a mark's key does not depend on which other
    reasons the page has (a numbered note would change meaning between snapshots)."""
    import re

    from tests.factories import login
    from tests.test_signals import compile_round, market

    world = market(app)
    compile_round(app, world.round_id)

    login(client, world.lead)
    html = client.get("/alliances/ict/signals").get_data(as_text=True)
    keys = set(re.findall(r'<sup class="note-ref">([^<]*)</sup>', html))
    assert keys and keys <= {"k", "p", "s", "a", "*"}
    legend = html.split("Why figures are hidden", 1)[1].split("</table>", 1)[0]
    assert re.search(r'<th scope="row">k</th><td>fewer than 3 buyers</td>', legend)
