"""Primary and secondary suppression, then the protection-interval audit, until the audit passes.

`protect_release` is what a compile calls: the rules of rules.py hide figures, the LP audit of audit.py
checks every figure hidden by the threshold, dominance or p% rule against an attacker holding everything
else, and where a figure is not protected by ±P % the smallest published figure that shares a table
with it is hidden too (least cost first), then both run again. Each round hides at least one more
figure, so it ends: at the latest when everything sharing an equation with the exposed figures is hidden,
leaving an attacker only what the listing itself tells (each listed quantity is at least 1).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from alliance.disclosure.audit import Breach, breaches
from alliance.disclosure.rules import SECONDARY, Figures, Group, protect

AUDIT_REASON = "hidden so a suppressed figure cannot be narrowed down"
# The public lower bound of a hidden figure: every listed figure comes from pledges of at least 1 unit.
QUANTITY_LOWER_BOUND = 1
VALUE_LOWER_BOUND = 0


@dataclass(frozen=True)
class AuditFinding:
    measure: str  # "quantity" or "value_minor"
    breach: Breach


def audit_figures(figures: dict[tuple, Figures], groups: list[Group], reasons: dict[tuple, str],
                  percent: float, cache: dict | None = None) -> list[AuditFinding]:
    """Every primary-suppressed figure an attacker can narrow to less than ±percent, by quantity and value."""
    targets = [key for key, reason in reasons.items() if reason not in (SECONDARY, AUDIT_REASON)]
    if not targets:
        return []
    found = []
    for measure, lower in (("quantity", QUANTITY_LOWER_BOUND), ("value_minor", VALUE_LOWER_BOUND)):
        truth = {key: getattr(fig, measure) for key, fig in figures.items()}
        published = {key: value for key, value in truth.items() if key not in reasons}
        found += [AuditFinding(measure, breach) for breach in breaches(
            published, reasons, groups, truth, targets, percent, {key: lower for key in figures},
            cache=None if cache is None else cache.setdefault(measure, {}))]
    return found


def protect_release(figures: dict[tuple, Figures], groups: Iterable[Group], k: int, p: int,
                    percent: float) -> dict[tuple, str]:
    """{key: reason} for every figure the public may not see, audited to ±percent (which is also the p% rule's
    P: no buyer may estimate another's share within it)."""
    groups = [g for g in groups if g.total in figures and g.members]
    touching: dict[tuple, list[Group]] = {}
    for group in groups:
        for key in (group.total, *group.members):
            touching.setdefault(key, []).append(group)
    forced: dict[tuple, str] = {}
    cache: dict = {}
    while True:
        reasons = protect(figures, groups, k, p, percent, forced)
        findings = audit_figures(figures, groups, reasons, percent, cache)
        if not findings:
            return reasons
        added = False
        for finding in findings:
            # None: an earlier victim of this round already hid everything around this figure.
            victim = _cheapest_helper(finding.breach.key, figures, reasons, touching)
            if victim is not None:
                forced[victim] = AUDIT_REASON
                reasons = reasons | {victim: AUDIT_REASON}
                added = True
        if not added:
            # Everything connected to these figures is hidden: what is left is what the listing itself says
            # (a hidden total of n listed cells is at least n), which no further hiding changes.
            return reasons


def _cheapest_helper(key: tuple, figures: dict[tuple, Figures], reasons: dict[tuple, str],
                     touching: dict[tuple, list[Group]]) -> tuple | None:
    """The published figure to hide next for `key`: the smallest one sharing a table with it, looking further
    out through hidden figures (the attacker's equations chain through them). Headline figures (category
    and grand totals) only when no other figure is reachable: hiding one loses the most."""
    seen, frontier, distance, candidates = {key}, [key], 0, []
    while frontier:
        distance += 1
        neighbours = set()
        for hidden_key in frontier:
            for group in touching.get(hidden_key, []):
                neighbours.update((group.total, *group.members))
        neighbours -= seen
        seen |= neighbours
        candidates += [(n[0] in ("total", "category"), distance, figures[n].quantity, figures[n].value_minor,
                        repr(n), n) for n in neighbours if n not in reasons]
        if any(not headline for headline, *_ in candidates):
            break
        frontier = [n for n in neighbours if n in reasons]
    return min(candidates)[-1] if candidates else None
