"""URL converters shared by every blueprint."""

from flask import Flask, abort, request
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
    app.before_request(refuse_nul_characters)


def refuse_nul_characters() -> None:
    """A NUL character anywhere in the path, query, form or JSON body is a 400: PostgreSQL text cannot
    hold one, so it would otherwise fail as a database error (a 500) wherever the value is compared or stored."""
    values = [request.path, *(v for _, vs in request.args.lists() for v in vs),
              *(v for _, vs in request.form.lists() for v in vs)]
    if request.is_json:
        values.extend(_strings(request.get_json(silent=True)))
    if any("\x00" in value for value in values):
        abort(400, "The request contains a NUL character, which no field accepts.")


def _strings(data) -> list[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [*data.keys(), *(s for value in data.values() for s in _strings(value))]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []
