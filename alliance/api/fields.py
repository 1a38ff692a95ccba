"""Fields shared by the API's request schemas."""

import marshmallow as ma

from alliance.routing import MAX_ID


def id_field(**kwargs) -> ma.fields.Integer:
    """An id or version number: a positive 32-bit integer, the range of the database's integer columns, so a
    larger one is a 422 naming the field rather than a database error."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)
