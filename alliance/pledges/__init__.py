"""Pledges: a buyer organisation's planned purchase volumes in a demand round.

The blueprint lives here (microblog's blueprint-in-package pattern) so the page modules, routes and
import_routes, both register on it without importing each other.
"""

from flask import Blueprint

bp = Blueprint("pledges", __name__, url_prefix="/pledges")

from alliance.pledges import import_routes, routes  # noqa: E402,F401  (registers the pages on bp)
