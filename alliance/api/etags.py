"""ETags for API responses that flask-smorest's @blp.etag does not cover (files: CSV, XLSX, OCDS JSON)."""

from flask import Response, request


def conditional_response(response: Response, identity: str) -> Response:
    """Tag response with a strong ETag made from `identity` (something that changes whenever the bytes
    do) and answer 304 Not Modified when the client's If-None-Match already has it."""
    response.set_etag(identity)
    return response.make_conditional(request)
