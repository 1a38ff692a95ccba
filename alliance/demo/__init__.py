"""Demo data for `flask --app wsgi demo`: each feature adds its part, in order, idempotently.

DESIGN.md lists the demo accounts; every one has the password DEMO_PASSWORD.
"""

import importlib

from alliance.extensions import db

DEMO_PASSWORD = "demo-password-1"

# Modules of alliance.demo, each with load(); later steps may use what earlier ones made.
DEMO_STEPS: list[str] = ["organisations", "reference", "rounds", "pledges", "suppliers", "signals", "summaries",
                         "statements", "join_requests"]


def load_demo() -> None:
    for step in DEMO_STEPS:
        importlib.import_module(f"alliance.demo.{step}").load()
        db.session.commit()
