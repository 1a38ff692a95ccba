"""Audit a stored snapshot: for every hidden figure, the range an attacker holding its public view derives.

The truth comes from the lead view's figure rows (every figure, with the reason the public does not see it;
alliance.signals.contract.figure_rows reads them from a stored view); the attacker knows what the public
view publishes and how the tables add up (rules.layout_groups). A figure
hidden by the threshold or dominance rule must stay uncertain by ±P % (audit.required_range); figures
hidden only to protect others are listed with their range but need no interval of their own.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from math import inf

from alliance.disclosure.audit import attacker_ranges, listing_minimum, required_range
from alliance.disclosure.protection import AUDIT_REASON, QUANTITY_LOWER_BOUND, VALUE_LOWER_BOUND
from alliance.disclosure.rules import SECONDARY, Figures, layout_groups

MEASURES = (("quantity", QUANTITY_LOWER_BOUND), ("value_minor", VALUE_LOWER_BOUND))


@dataclass(frozen=True)
class FigureAudit:
    key: tuple
    measure: str
    reason: str
    truth: int
    low: float
    high: float
    required_low: float | None  # None: hidden only to protect other figures, no interval of its own
    required_high: float | None

    @property
    def protected(self) -> bool:
        return self.required_low is None or (self.low <= self.required_low + 1e-6 * max(1, self.required_low)
                                             and self.high >= self.required_high - 1e-6 * self.required_high)


def view_figures(rows: Iterable[tuple[tuple, dict]]) -> tuple[dict[tuple, Figures], dict[tuple, str]]:
    """The figures of a lead view's (key, row) pairs keyed as in rules.layout_groups, and {key: reason} of the
    hidden ones."""
    figures, reasons = {}, {}
    for key, row in rows:
        if row.get("quantity") is None:
            continue
        figures[key] = Figures(int(row["quantity"]), int(row["value_minor"]), int(row.get("buyers") or 0), 0, 0, 0, 0)
        if row.get("suppressed"):
            reasons[key] = row.get("reason") or SECONDARY
    return figures, reasons


def audit_view(rows: Iterable[tuple[tuple, dict]], percent: float) -> list[FigureAudit]:
    """Every hidden figure of a lead view (its (key, row) pairs) with the attacker's exact best range, by
    quantity and by value."""
    figures, reasons = view_figures(rows)
    groups = [g for g in layout_groups(figures) if g.total in figures]
    found = []
    for measure, lower in MEASURES:
        truth = {key: getattr(fig, measure) for key, fig in figures.items()}
        published = {key: value for key, value in truth.items() if key not in reasons}
        bounds = {key: lower for key in figures}
        ranges = attacker_ranges(published, reasons, groups, bounds)
        primary = [key for key in reasons if reasons[key] not in (SECONDARY, AUDIT_REASON)]
        required = {key: required_range(truth[key], percent, lower) for key in primary}
        short = [key for key in primary if ranges[key][0] > required[key][0]]
        if short:  # not below what anyone knows from the listing alone? then that is the floor
            listing = listing_minimum(published, reasons, groups, bounds, (), short)
            required |= {key: (max(required[key][0], listing[key]), required[key][1]) for key in short}
        for key in sorted(reasons, key=repr):
            low, high = ranges.get(key, (lower, inf))
            found.append(FigureAudit(key, measure, reasons[key], truth[key], low, high,
                                     *required.get(key, (None, None))))
    return found


def describe(key: tuple) -> str:
    """("cell", "30213100-6", "2028-Q1", "FR") → "cell 30213100-6 2028-Q1 FR"."""
    return " ".join(str(part) for part in key)
