"""One page of a query for list endpoints decorated with flask-smorest's `@blp.paginate()`."""

import json

import sqlalchemy as sa
from flask_smorest import Blueprint

from alliance.extensions import db
from alliance.pagination import COUNT_AHEAD, bounded_count


def page_of(query: sa.Select, pagination_parameters, bounded: bool = False) -> list:
    """Count the query's rows for the X-Pagination header and return the rows of the requested page.

    bounded: count no further than COUNT_AHEAD rows past the page (lists that grow very long); past
    that, X-Pagination has no `total`, `total_pages` or `last_page`, only `next_page` (BoundedBlueprint).
    """
    first = pagination_parameters.first_item
    if bounded:
        limit = min(first + COUNT_AHEAD + 1, 2**62)  # a huge page number must not overflow LIMIT
        count = bounded_count(query, limit)
        pagination_parameters.total_capped = count >= limit
        pagination_parameters.item_count = count - 1 if pagination_parameters.total_capped else count
    else:
        pagination_parameters.item_count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    if first >= pagination_parameters.item_count:
        return []  # past the end (also keeps a huge page number from overflowing the database's OFFSET)
    return db.session.scalars(query.offset(first).limit(pagination_parameters.page_size)).all()


class BoundedBlueprint(Blueprint):
    """A flask-smorest Blueprint whose X-Pagination leaves out what a bounded count does not know."""

    def _set_pagination_metadata(self, page_params, result, headers):
        if not getattr(page_params, "total_capped", False):
            return super()._set_pagination_metadata(page_params, result, headers)
        metadata = self._make_pagination_metadata(page_params.page, page_params.page_size, page_params.item_count)
        for unknown in ("total", "total_pages", "last_page"):
            metadata.pop(unknown, None)
        metadata["next_page"] = page_params.page + 1
        headers = headers or {}
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(metadata)
        return result, headers
