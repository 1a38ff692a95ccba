"""Demo: a compiled snapshot for each open round (synchronously, no worker needed)."""

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandRound
from alliance.signals.snapshots import compile_signals


def load() -> None:
    """Compile every open round; an unchanged round keeps its snapshot (compile_signals is idempotent)."""
    for round_id in db.session.scalars(sa.select(DemandRound.id).where(DemandRound.status == "open")):
        compile_signals(round_id)
