"""The SQL expressions that give the buyer rules their inputs: the largest and second-largest buyer's share
of a figure, from rows holding one buyer's sum each. It builds expressions and runs nothing.

Used by the compile's rollups (alliance.signals.aggregation) and the readiness view's required quantities
(alliance.suppliers.readiness), so both feed rules.primary_reason the same figures.
"""

import sqlalchemy as sa


def largest(measure, partition_by: list) -> sa.Label:
    """The largest buyer share of the figure each buyer row adds into, beside the row (a window over the rows
    of one figure; an empty partition is the whole table)."""
    window = {"partition_by": partition_by} if partition_by else {}
    return sa.func.max(measure).over(**window).label(f"largest_{measure.name}")


def second_largest(measure, largest_share):
    """Aggregate over the buyer rows of one figure (with `largest` beside each): the second-largest buyer's
    share, the p% rule's best-placed insider. The largest itself when two buyers tie for it; 0 with a single
    buyer. Rows whose measure is NULL (no such pledge) count for nothing."""
    ties = sa.func.sum(sa.case((measure == largest_share, 1), else_=0))
    below = sa.func.coalesce(sa.func.max(sa.case((measure < largest_share, measure))), 0)
    return sa.case((ties > 1, sa.func.max(measure)), else_=below)
