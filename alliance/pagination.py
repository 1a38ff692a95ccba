"""Paged lists in web pages: `?page=N` read from the request, bounded so it cannot overflow the database.

Counting every row of a very long list (a lead's two million pledges) for "page 3 of N" costs seconds;
`bounded_count` counts only as far as a few hundred pages past the one shown, and the page says "N+".
"""

import sqlalchemy as sa
from flask import abort, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination

from alliance.extensions import db

# A page number beyond this is past the end of any list here; left unbounded, page × size would
# overflow PostgreSQL's OFFSET (a 500) instead of showing an empty page.
MAX_PAGE = 100_000
# Rows counted past the first one shown: enough for every "next" link a person follows.
COUNT_AHEAD = 10_000


def bounded_count(query: sa.Select, limit: int) -> int:
    """The number of rows of `query`, counting no further than `limit`."""
    sub = query.order_by(None).limit(limit).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(sub))


class BoundedPagination(SelectPagination):
    """A page whose total counts at most COUNT_AHEAD rows past the page's first one; `total_capped`
    says the list goes on (the total is then a lower bound)."""

    def _query_count(self) -> int:
        limit = self._query_offset + COUNT_AHEAD + 1
        count = bounded_count(self._query_args["select"], limit)
        self.total_capped = count >= limit
        return count - 1 if self.total_capped else count


def paginate(query: sa.Select, per_page: int, error_out: bool = False, bounded: bool = False) -> Pagination:
    """db.paginate for the request's `page` argument. error_out: a page past the end is a 404, not an empty
    page. bounded: count no further than COUNT_AHEAD rows past the page (for lists that grow very long)."""
    page = request.args.get("page", type=int)
    if page is not None and page > MAX_PAGE:
        if error_out:
            abort(404)
        page = MAX_PAGE
    if bounded:
        return BoundedPagination(select=query, session=db.session(), page=page, per_page=per_page,
                                 error_out=error_out)
    return db.paginate(query, page=page, per_page=per_page, error_out=error_out)
