"""Paged lists in web pages: `?page=N` read from the request, bounded so it cannot overflow the database."""

import sqlalchemy as sa
from flask import abort, request
from flask_sqlalchemy.pagination import Pagination

from alliance.extensions import db

# A page number beyond this is past the end of any list here; left unbounded, page × size would
# overflow PostgreSQL's OFFSET (a 500) instead of showing an empty page.
MAX_PAGE = 100_000


def paginate(query: sa.Select, per_page: int, error_out: bool = False) -> Pagination:
    """db.paginate for the request's `page` argument. error_out: a page past the end is a 404, not an empty page."""
    page = request.args.get("page", type=int)
    if page is not None and page > MAX_PAGE:
        if error_out:
            abort(404)
        page = MAX_PAGE
    return db.paginate(query, page=page, per_page=per_page, error_out=error_out)
