"""Release control: may a new public release of a round go out, given every earlier one? Pure, no database.

The attacker keeps every earlier public release of the round. Subtracting an earlier release from the new
one gives, for every figure published in both, exactly what the buyers changed in it in between; and where
a group's total and some of its members are published in both, the change of the remaining members taken
together. Each such difference is a figure of its own and must pass the rules of a single release: it comes
from at least k buyers, no buyer holds more than p % of it, and it passes the p% rule — what the two buyers
who changed it most leave of it is at least P % of the largest change, so neither of them can estimate the
other's change within P % (all of the absolute changes, by quantity and by value). A figure that a complete table (cells, quarters, countries, levels, categories, total) does not
list in a release is known to be 0 there.

A change is counted per buyer: one buyer's edits to several pledges of one figure are one buyer's change;
drafts, withdrawn pledges and saves that change nothing are no change at all (the caller passes the
differences of submitted contributions only).

Keys are the snapshot's figure keys with the category as its CPV code: ("cell", cpv, quarter, country),
("quarter", cpv, quarter), ("country", cpv, country), ("level", cpv, level), ("set", cpv, set id, level),
("category", cpv), ("total",); and the readiness view's required quantities ("required", cpv, set id,
criterion level): a core criterion is required by the set's core and comprehensive pledges, a
comprehensive one by its comprehensive pledges.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from alliance.disclosure.rules import Group, layout_groups, p_percent_sensitive

Base = tuple  # (cpv, quarter, country, level, criteria set id): the finest grain a buyer pledges at
# Tables that list every figure with a pledge behind it: a figure they do not list is known to be 0.
COMPLETE_TABLES = frozenset({"cell", "quarter", "country", "level", "category", "total"})


@dataclass(frozen=True)
class BuyerChange:
    """How much one buyer's submitted pledges in one base cell changed between two releases."""

    base: Base
    buyer: int
    quantity: int
    value_minor: int


@dataclass(frozen=True)
class PublicFigures:
    """What one public release shows: the keys it lists, and those of them whose figures are published."""

    listed: frozenset
    published: frozenset

    def known(self, key: tuple) -> bool:
        """True when an attacker reads this figure from the release (a figure a complete table does not
        list is known to be 0)."""
        return key in self.published or (key[0] in COMPLETE_TABLES and key not in self.listed)


@dataclass(frozen=True)
class ReleaseBreach:
    """A difference an attacker reads that fewer than k buyers make, that one buyer dominates, or that the p%
    rule finds sensitive."""

    key: tuple  # the figure, or ("rest", total key, members…) for what is left of a group's change
    buyers: int
    changes: int
    rule: str  # "k" (fewer than k buyers), "p:P" (one made more than P % of it) or "pp:P" (the p% rule)

    @property
    def reason(self) -> str:
        """The breach in English (the audit command, the stored held reason); pages word it from `rule`."""
        text = change_reason(self.changes, self.buyers)
        name, _, percent = self.rule.partition(":")
        if name == "p":
            return f"{text}, one of whom made more than {percent}% of the change"
        if name == "pp":
            return f"{text}, one of whom could estimate another's change to within {percent}%"
        return text


@dataclass
class ReleaseDecision:
    released: bool
    breaches: dict[int, list[ReleaseBreach]] = field(default_factory=dict)  # earlier release number → breaches

    @property
    def held_reason(self) -> str | None:
        """What a lead reads when the release is held, e.g. "3 changes from 1 buyer since public release 2"."""
        if self.released:
            return None
        number, found = min(self.breaches.items())
        first = found[0]
        more = f" ({len(found)} figures affected)" if len(found) > 1 else ""
        return (f"held: {first.reason} since public release {number} in {describe(first.key)}{more}; "
                f"the public keeps seeing the last release until more buyers change these figures")

    @property
    def held(self) -> dict | None:
        """The held reason as data, for pages to word in the reader's language (alliance.disclosure.wording)."""
        if self.released:
            return None
        number, found = min(self.breaches.items())
        first = found[0]
        figure = first.key[1] if first.key[0] == "rest" else first.key
        return {"rule": first.rule, "buyers": first.buyers, "changes": first.changes, "since": number,
                "figure": list(figure), "hidden_part": first.key[0] == "rest", "affected": len(found)}


def figure_keys(base: Base) -> tuple[tuple, ...]:
    """Every published figure a base cell adds into."""
    cpv, quarter, country, level, set_id = base
    required = [("required", cpv, set_id, "core")] + ([("required", cpv, set_id, level)] if level != "core" else [])
    return (("cell", cpv, quarter, country), ("quarter", cpv, quarter), ("country", cpv, country),
            ("level", cpv, level), ("set", cpv, set_id, level), ("category", cpv), ("total",), *required)


def required_groups(keys: Iterable[tuple]) -> list[Group]:
    """A required quantity is the sum of its criteria set's figures at the levels that require it."""
    keys = set(keys)
    groups = []
    for key in sorted((k for k in keys if k[0] == "required"), key=repr):
        _, cpv, set_id, level = key
        levels = ("core", "comprehensive") if level == "core" else (level,)
        groups.append(Group(key, tuple(("set", cpv, set_id, lvl) for lvl in levels)))
    return groups


def describe(key: tuple) -> str:
    if key[0] == "rest":
        return f"the hidden part of {describe(key[1])}"
    return {"cell": lambda: f"{key[1]} {key[2]} {key[3]}", "quarter": lambda: f"{key[1]} {key[2]}",
            "country": lambda: f"{key[1]} {key[2]}", "level": lambda: f"{key[1]} {key[2]} level",
            "set": lambda: f"{key[1]} criteria set {key[2]} ({key[3]})", "category": lambda: f"{key[1]} total",
            "total": lambda: "the grand total"}.get(key[0], lambda: repr(key))()


def change_reason(changes: int, buyers: int) -> str:
    return f"{changes} change{'s' * (changes != 1)} from {buyers} buyer{'s' * (buyers != 1)}"


def per_buyer_changes(changes: Iterable[BuyerChange]) -> dict[tuple, dict[int, list[int]]]:
    """figure key → buyer → [quantity change, value change, number of base cells changed]."""
    figures: dict[tuple, dict[int, list[int]]] = {}
    for change in changes:
        if change.quantity == 0 and change.value_minor == 0:
            continue
        for key in figure_keys(change.base):
            mine = figures.setdefault(key, {}).setdefault(change.buyer, [0, 0, 0])
            mine[0] += change.quantity
            mine[1] += change.value_minor
            mine[2] += 1
    return figures


def readable_differences(before: PublicFigures, now: PublicFigures,
                         groups: Iterable[Group]) -> list[tuple[tuple, tuple[tuple, ...]]]:
    """(label, members) of every difference an attacker reads by subtraction: each figure known in both
    releases, and per group with a known total the members not known in both, taken together."""
    universe = before.listed | now.listed
    known = {key for key in universe if before.known(key) and now.known(key)}
    readable = [(key, (key,)) for key in sorted(known, key=repr)]
    for group in groups:
        unknown = tuple(m for m in group.members if m not in known)
        if group.total in known and 0 < len(unknown) < len(group.members):
            readable.append((("rest", group.total, *unknown), unknown))
        elif group.total not in known and not unknown:
            readable.append((group.total, group.members))
    return readable


def judge(per_buyer: Mapping[int, list[int]], k: int, p: int, percent: int) -> str | None:
    """The rule one readable difference breaks (ReleaseBreach.rule), or None. per_buyer: buyer → [Δq, Δv,
    changes]; percent: the p% rule's P."""
    changed = {buyer: d for buyer, d in per_buyer.items() if d[0] or d[1]}
    if not changed:
        return None
    if len(changed) < k:
        return "k"
    for index in (0, 1):
        magnitudes = [abs(d[index]) for d in changed.values()]
        if sum(magnitudes) and max(magnitudes) * 100 > p * sum(magnitudes):
            return f"p:{p}"
    for index in (0, 1):
        largest, second = ([*sorted((abs(d[index]) for d in changed.values()), reverse=True), 0])[:2]
        total = sum(abs(d[index]) for d in changed.values())
        if p_percent_sensitive(total, largest, second, percent):
            return f"pp:{percent}"
    return None


def check_release(changes: Iterable[BuyerChange], before: PublicFigures, now: PublicFigures, k: int, p: int,
                  percent: int, groups: Iterable[Group] | None = None) -> list[ReleaseBreach]:
    """The differences between two public releases that would give away what fewer than k buyers (or one
    dominant buyer) changed, or let one buyer estimate another's change within percent % (the p% rule).
    Empty when `now` may follow `before`."""
    figures = per_buyer_changes(changes)
    if groups is None:
        listed = before.listed | now.listed
        groups = layout_groups(listed | set(figures)) + required_groups(listed)
    breaches = []
    for label, members in readable_differences(before, now, groups):
        combined: dict[int, list[int]] = {}
        for member in members:
            for buyer, (dq, dv, n) in figures.get(member, {}).items():
                mine = combined.setdefault(buyer, [0, 0, 0])
                mine[0] += dq
                mine[1] += dv
                mine[2] += n
        rule = judge(combined, k, p, percent)
        if rule:
            changed = [d for d in combined.values() if d[0] or d[1]]
            breaches.append(ReleaseBreach(label, len(changed), sum(d[2] for d in changed), rule))
    return breaches + stacked_audit(figures, before, now, groups, k, p, percent)


def stacked_audit(figures: Mapping[tuple, Mapping[int, list[int]]], before: PublicFigures, now: PublicFigures,
                  groups: Iterable[Group], k: int, p: int, percent: int) -> list[ReleaseBreach]:
    """The LP audit of the stacked system: the differences of the two releases as unknowns bound by the
    groups' sums (no sign: pledges go up and down), those read in both releases as knowns. Any difference
    the solver pins down exactly, and whose change breaks a rule (judge), is a breach.

    This is the single call site of alliance.disclosure.audit for release control.
    """
    try:
        from alliance.disclosure.audit import attacker_ranges
    except ImportError:  # the within-release audit is not there yet: the subtraction checks above stand alone
        return []
    groups = list(groups)
    # What the attacker can write down: the figures listed in either release and those the tables' sums name.
    universe = before.listed | now.listed | {key for g in groups for key in (g.total, *g.members)}
    known = {key for key in universe if before.known(key) and now.known(key)}
    sensitive = [key for key in universe - known if judge(figures.get(key, {}), k, p, percent)]
    if not sensitive:
        return []
    breaches = [breach for index in (0, 1)
                for breach in _pinned_differences(attacker_ranges, figures, index, universe, known, sensitive,
                                                  groups, k, p, percent)]
    return list({(b.key, b.rule): b for b in breaches}.values())


def _pinned_differences(attacker_ranges, figures, index: int, universe: set, known: set, sensitive: list,
                        groups: list, k: int, p: int, percent: int) -> list[ReleaseBreach]:
    """The sensitive differences of one measure (index into the per-buyer difference) the solver pins down."""
    truth = {key: sum(d[index] for d in figures.get(key, {}).values()) for key in universe}
    # A difference has no sign, but the solver scales by its bounds: a floor far below any true change
    # (ten times the largest) leaves every range that is not pinned wide open, and pins the same ones.
    floor = -10.0 * (1 + max((abs(v) for v in truth.values()), default=0))
    ranges = attacker_ranges(
        published={key: float(truth[key]) for key in known},
        hidden=[key for key in universe if key not in known],
        groups=[g for g in groups if g.total in universe],
        lower_bounds={key: floor for key in universe if key not in known},
    )
    breaches = []
    for key in sensitive:
        low, high = ranges.get(key, (floor, math.inf))
        if high - low < 0.5:  # integers: the difference is pinned down
            per_buyer = figures.get(key, {})
            changed = [d for d in per_buyer.values() if d[0] or d[1]]
            breaches.append(ReleaseBreach(key, len(changed), sum(d[2] for d in changed),
                                           judge(per_buyer, k, p, percent)))
    return breaches


def decide(checks: Mapping[int, list[ReleaseBreach]]) -> ReleaseDecision:
    """Released only when the differences from every earlier release (release number → breaches) pass."""
    breaches = {number: found for number, found in checks.items() if found}
    return ReleaseDecision(released=not breaches, breaches=breaches)
