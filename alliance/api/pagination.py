"""One page of a query for list endpoints decorated with flask-smorest's `@blp.paginate()`."""

import sqlalchemy as sa

from alliance.extensions import db


def page_of(query: sa.Select, pagination_parameters) -> list:
    """Count the query's rows for the X-Pagination header and return the rows of the requested page."""
    pagination_parameters.item_count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    if pagination_parameters.first_item >= pagination_parameters.item_count:
        return []  # past the end (also keeps a huge page number from overflowing the database's OFFSET)
    return db.session.scalars(
        query.offset(pagination_parameters.first_item).limit(pagination_parameters.page_size)
    ).all()
