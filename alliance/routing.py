"""URL converters shared by every blueprint."""

from flask import Flask
from werkzeug.routing import IntegerConverter

# Ids are 32-bit integer columns; a larger number in a URL cannot name a row, so it is a 404 at
# routing (PostgreSQL would refuse to compare it with an integer column).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a non-negative integer that fits the database's id columns."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_routing(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
