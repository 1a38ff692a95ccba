"""Disclosure control on small aggregated tables: pure Python, no database.

A figure is keyed by a tuple naming its table and position, e.g. ("cell", cat, "2027-Q1", "SE"),
("quarter", cat, "2027-Q1"), ("category", cat) or ("total",). Each carries the sums of the cell and the
largest and second-largest single buyers' shares of it (`top_*`, `second_*`), which the dominance and p%
rules need.

Rules (DESIGN.md): fewer than k distinct buyers → suppressed; one buyer above p % of the quantity or
the value → suppressed; the p% rule (below) → suppressed; then secondary suppression, so that no
suppressed figure can be worked out by subtraction from a published total of a group (a row or column
and its total).

The p% rule (prior-posterior rule; Hundepool et al., Statistical Disclosure Control, 2012, §4.2.2, as
tau-argus and sdcTable apply it): the best-placed insider is the second-largest buyer, who subtracts its
own share from the figure and bounds the largest buyer's by what is left. The figure is sensitive when
that leftover — total - largest - second largest — is under P % of the largest, so no buyer can estimate
another's share to within P % (P is the alliance's protection interval). The dominance rule alone misses
790 + 200 + 10: 79 % passes p = 80, yet the 200-unit buyer knows the largest holds at most 799. Every
figure of two buyers is sensitive (nothing is left), whatever k the alliance chose.
"""

from collections.abc import Iterable
from dataclasses import dataclass

SECONDARY = "hidden so a suppressed figure cannot be derived"


@dataclass(frozen=True)
class Figures:
    quantity: int
    value_minor: int
    buyers: int
    top_quantity: int
    top_value: int
    second_quantity: int  # the second-largest buyer's share (0 with a single buyer)
    second_value: int


@dataclass(frozen=True)
class Group:
    """Members that add up to `total` (a row or column with its marginal)."""

    total: tuple
    members: tuple[tuple, ...]


def supplier_threshold_reason(k: int) -> str:
    return f"fewer than {k} suppliers"


def supplier_count_hidden(count: int, k: int) -> bool:
    """A count of supplier organisations from 1 to k-1 would point at them; 0 names nobody."""
    return 0 < count < k


def quarter_of(day) -> str:
    """A date coarsened to its quarter, "2027-Q3": published dates never carry one organisation's exact answer."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def threshold_reason(k: int) -> str:
    return f"fewer than {k} buyers"


def dominance_reason(p: int) -> str:
    return f"one buyer holds more than {p}% of the volume"


def p_percent_reason(percent: int) -> str:
    return f"another buyer could estimate one buyer's volume to within {percent}%"


def p_percent_sensitive(total: int, largest: int, second: int, percent: int) -> bool:
    """The p% rule on one measure: what is left beside the two largest shares is under percent % of the
    largest. Integer arithmetic, so exactly percent % passes (as "more than p %" does for dominance)."""
    return (total - largest - second) * 100 < percent * largest


def primary_reason(figures: Figures, k: int, p: int, percent: int) -> str | None:
    """Why this figure may not be published on its own, or None (percent: the p% rule's P)."""
    if figures.buyers < k:
        return threshold_reason(k)
    # Integer arithmetic: top * 100 > p * total is "more than p %" without rounding.
    if figures.top_quantity * 100 > p * figures.quantity:
        return dominance_reason(p)
    if figures.value_minor > 0 and figures.top_value * 100 > p * figures.value_minor:
        return dominance_reason(p)
    if (p_percent_sensitive(figures.quantity, figures.top_quantity, figures.second_quantity, percent)
            or p_percent_sensitive(figures.value_minor, figures.top_value, figures.second_value, percent)):
        return p_percent_reason(percent)
    return None


def protect(figures: dict[tuple, Figures], groups: Iterable[Group], k: int, p: int, percent: int,
            forced: dict[tuple, str] | None = None) -> dict[tuple, str]:
    """Suppress figures by the threshold, dominance and p% rules, then secondary suppression until stable.

    `forced` adds suppressions decided elsewhere (the protection-interval audit, see protection.py).

    Returns {key: reason} for every suppressed key. In each group the result hides nothing, or at least two
    of its figures (total included) and, under a published total, members whose values are not pinned down
    by their bounds (quantities are at least 1, values at least 0). Otherwise the smallest published member
    is hidden too, and when no member is left to hide, the total is.
    """
    groups = [g for g in groups if g.total in figures and g.members]
    reasons = {key: reason for key, fig in figures.items() if (reason := primary_reason(fig, k, p, percent))}
    for key, reason in (forced or {}).items():
        reasons.setdefault(key, reason)
    changed = True
    while changed:
        changed = False
        for group in groups:
            if not _exposed(group, figures, reasons):
                continue
            candidates = [m for m in group.members if m not in reasons]
            if candidates:
                victim = min(candidates, key=lambda m: (figures[m].quantity, figures[m].value_minor, m))
            else:
                victim = group.total
            reasons[victim] = SECONDARY
            changed = True
    return reasons


def _exposed(group: Group, figures: dict[tuple, Figures], reasons: dict[tuple, str]) -> bool:
    """True when a hidden figure of the group could be recovered from the others: a hidden member from a
    published total by subtraction, or a hidden total from its published members by addition."""
    hidden = [figures[m] for m in group.members if m in reasons]
    total_hidden = group.total in reasons
    if len(hidden) + total_hidden == 1:
        return True
    if total_hidden or not hidden:
        return False
    # Every member holds at least 1 unit: hidden members summing to their count are all 1.
    if sum(f.quantity for f in hidden) <= len(hidden):
        return True
    # Values are at least 0: hidden values summing to 0 are all 0, whatever the published total (a total
    # of 0 used to be let through, and pinned every hidden value under it to 0).
    return sum(f.value_minor for f in hidden) == 0


def layout_groups(keys: Iterable[tuple]) -> list[Group]:
    """The groups of a snapshot's tables (see alliance.signals.__init__), from the keys present.

    cells against their quarter row, their country column and their category total; quarters, countries,
    levels and criteria sets against their category (criteria sets against their level); categories
    against the grand total.
    """
    members: dict[tuple, list[tuple]] = {}

    def add(tag: str, total: tuple, member: tuple) -> None:
        members.setdefault((tag, total), []).append(member)

    for key in keys:
        kind = key[0]
        if kind == "cell":
            _, cat, quarter, country = key
            add("row", ("quarter", cat, quarter), key)
            add("column", ("country", cat, country), key)
            add("cells", ("category", cat), key)
        elif kind in ("quarter", "country", "level"):
            add(kind, ("category", key[1]), key)
        elif kind == "set":
            _, cat, _set_id, level = key
            add("set", ("level", cat, level), key)
        elif kind == "category":
            add("category", ("total",), key)
    groups = [Group(total, tuple(sorted(group_members, key=repr))) for (_, total), group_members in members.items()]
    return sorted(groups, key=lambda g: repr((g.total, g.members)))
