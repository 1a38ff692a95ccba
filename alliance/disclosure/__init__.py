"""Disclosure control: the one home for every rule that decides what the public may see.

- rules: the threshold, dominance and p% rules (primary suppression) and secondary suppression on groups.
- audit: protection intervals checked by linear programming (an attacker's best range for every hidden
  figure, given everything published in the release).

The public names below are the stable interface used by signals, readiness, impact, summaries and exports.
"""

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

__all__ = [
    "SECONDARY",
    "Figures",
    "Group",
    "dominance_reason",
    "layout_groups",
    "p_percent_reason",
    "primary_reason",
    "protect",
    "threshold_reason",
]
