"""Schemathesis over the whole API, generated from /api/v1/openapi.json, against the real app (WSGI) and
database: no response is a server error, and none breaks the schema or content type documented for it.

It covers every API module registered when it runs. Requests carry a valid bearer token of an alliance
lead, so authenticated paths run too, against a world with published, draft and withdrawn summaries.
Each operation gets up to MAX_EXAMPLES generated cases; failures are collected and reported together.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.factories import api_token, make_pledging_round, make_summary

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _fuzz(operation, label: str, headers: dict, counts: dict):
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=True)
    @given(case=operation.as_strategy())
    def run(case):
        counts[label] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run


def test_api_conforms_to_its_openapi_document(app):
    world = make_pledging_round(app)
    for status in ("published", "draft", "withdrawn"):
        make_summary(app, world, status=status)
    headers = {"Authorization": f"Bearer {api_token(app.test_client(), world.lead)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    counts: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the summaries, auth and alliances operations at least

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        counts[label] = 0
        try:
            _fuzz(operation, label, headers, counts)()
        except Exception as error:  # collect every operation's failures, then report them all
            failures[label] = str(error)[:3000]
    total = sum(counts.values())
    print(f"schemathesis: {len(operations)} operations, {total} cases, {len(failures)} failing")
    assert not failures, "\n\n".join(f"{label}:\n{message}" for label, message in failures.items())
