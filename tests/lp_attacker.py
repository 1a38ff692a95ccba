"""The tests' own attacker: reads a PUBLIC snapshot view (as the API serves it) and, by linear programming,
derives the tightest range of every hidden figure. Written independently of alliance.disclosure (its own
equations, straight from the published tables, dense matrices, scipy's HiGHS).

What it uses: the cells add up to their quarter row, their country column and their category; the quarter
rows, the country columns and the levels each add up to the category; the categories to the total; the
comprehensive value share (rounded to 4 places) ties the comprehensive level's value to its category's; an
impact row's quantity is a lower bound of its level; every listed quantity is at least 1, every value at
least 0.
"""

import numpy as np
from scipy.optimize import linprog

MEASURES = ("quantity", "value_minor")


def figure_rows(view: dict) -> dict[tuple, dict]:
    rows = {("total",): view["totals"]}
    for row in view["by_category"]:
        rows[("category", row["category"])] = row
    for row in view["by_quarter"]:
        rows[("quarter", row["category"], row["quarter"])] = row
    for row in view["by_country"]:
        rows[("country", row["category"], row["country"])] = row
    for row in view["by_level"]:
        rows[("level", row["category"], row["level"])] = row
    for row in view["cells"]:
        rows[("cell", row["category"], row["quarter"], row["country"])] = row
    return rows


def _sums(rows: dict[tuple, dict]) -> list[tuple[tuple, list[tuple]]]:
    """(total key, member keys) for every way the published tables add up."""
    sums = [(("total",), [key for key in rows if key[0] == "category"])]
    for key in rows:
        if key[0] != "category":
            continue
        cat = key[1]
        for kind in ("quarter", "country", "level", "cell"):
            members = [k for k in rows if k[0] == kind and k[1] == cat]
            if members:
                sums.append((key, members))
        for quarter in {k[2] for k in rows if k[0] == "quarter" and k[1] == cat}:
            sums.append((("quarter", cat, quarter), [k for k in rows if k[0] == "cell" and k[1] == cat
                                                     and k[2] == quarter]))
        for country in {k[2] for k in rows if k[0] == "country" and k[1] == cat}:
            sums.append((("country", cat, country), [k for k in rows if k[0] == "cell" and k[1] == cat
                                                     and k[3] == country]))
    return sums


def attack(view: dict, measure: str) -> dict[tuple, tuple[float, float]]:
    """{hidden key: (lowest, highest)} the attacker can prove for `measure` from the public view."""
    rows = figure_rows(view)
    hidden = [key for key, row in rows.items() if row.get(measure) is None]
    if not hidden:
        return {}
    index = {key: i for i, key in enumerate(hidden)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []

    def linear(terms):  # [(key, coefficient)] → (row over hidden, known constant)
        vector, known = np.zeros(len(hidden)), 0.0
        for key, c in terms:
            if key in index:
                vector[index[key]] += c
            else:
                known += c * rows[key][measure]
        return vector, known

    for total, members in _sums(rows):
        vector, known = linear([(m, 1) for m in members] + [(total, -1)])
        if vector.any():
            a_eq.append(vector)
            b_eq.append(-known)
    for row in view["by_category"]:
        share = row.get("comprehensive_value_share")
        level = ("level", row["category"], "comprehensive")
        if measure == "value_minor" and share is not None and level in rows:
            for bound, sign in ((share + 0.00005, 1), (share - 0.00005, -1)):
                vector, known = linear([(level, sign), (("category", row["category"]), -sign * bound)])
                if vector.any():
                    a_ub.append(vector)
                    b_ub.append(-known)
    if measure == "quantity":
        per_level: dict[tuple, float] = {}
        for row in view.get("impact") or []:
            if row.get("quantity") is not None:
                per_level.setdefault(("level", row["category"], row["level"]), {})[row["criteria_set_id"]] = \
                    row["quantity"]
        for level, sets in per_level.items():
            if level in index:  # level >= the quantities of its published criteria sets
                vector = np.zeros(len(hidden))
                vector[index[level]] = -1
                a_ub.append(vector)
                b_ub.append(-sum(sets.values()))
    lower = 1 if measure == "quantity" else 0
    ranges = {}
    for key, i in index.items():
        bounds = []
        for sign in (1, -1):
            cost = np.zeros(len(hidden))
            cost[i] = sign
            result = linprog(cost, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                             A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                             bounds=[(lower, None)] * len(hidden), method="highs")
            if result.status == 3:
                bounds.append(float("inf"))
            else:
                assert result.status == 0, result.message
                bounds.append(float(result.x[i]))
        ranges[key] = (bounds[0], bounds[1])
    return ranges


def pinned(lead_view: dict, public_view: dict, percent: float, primary_reasons) -> list[str]:
    """Every figure hidden for one of `primary_reasons` that the attacker narrows to less than ±percent
    (or, for a true 0, pins exactly)."""
    truth = figure_rows(lead_view)
    found = []
    for measure in MEASURES:
        # What anyone knows from the listing alone (every figure unknown): a hidden total of 4 listed cells
        # is at least 4 however well it is protected.
        listing = attack(_unknown(public_view), measure)
        for key, (low, high) in attack(public_view, measure).items():
            lower = listing[key][0]
            row = truth[key]
            if row.get("reason") not in primary_reasons:
                continue
            value = row[measure]
            slack = 1e-6 * max(1, value)
            wide_below = low <= max(value * (1 - percent / 100), lower) + slack
            wide_above = high >= value * (1 + percent / 100) - slack and high > value + 0.5
            if not (wide_below and wide_above):
                found.append(f"{measure} {key}: true {value}, attacker proves {low:.2f} .. {high:.2f}")
    return found


def _unknown(view: dict) -> dict:
    """The view with every figure unknown, its listing kept."""
    blank = {"quantity": None, "value_minor": None, "comprehensive_value_share": None}
    tables = ("by_category", "by_quarter", "by_country", "by_level", "cells")
    return {"totals": view["totals"] | blank, "impact": [],
            **{table: [row | blank for row in view[table]] for table in tables}}
