"""The API's Blueprint: flask-smorest's, with a parser that refuses unknown keys of a JSON body up front."""

from collections.abc import Mapping

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

MAX_REPORTED_KEYS = 20


class StrictParser(FlaskParser):
    """A JSON object with keys the schema does not know is a 422 naming the first few, before any field is
    validated: otherwise a body of thousands of made-up keys costs a validation and an error message each."""

    def _load_location_data(self, *, schema: ma.Schema, req, location: str):
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json" and isinstance(data, Mapping) and not schema.many and schema.unknown == ma.RAISE:
            known = {field.data_key or name for name, field in schema.load_fields.items()}
            unknown = [key for key in data if key not in known]
            if unknown:
                raise ma.ValidationError({key: ["Unknown field."] for key in unknown[:MAX_REPORTED_KEYS]})
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()
