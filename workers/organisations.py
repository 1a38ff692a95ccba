"""Notification jobs for organisation join requests (enqueued after the request's or decision's commit)."""

from alliance.organisations import notices
from workers.context import job
from workers.notifications import _finish


@job
def join_requested(request_id: int) -> int:
    """Notify the deciders of a new request to join an organisation."""
    return _finish(f"join request {request_id}", notices.join_requested(request_id))


@job
def join_decided(request_id: int) -> int:
    """Notify the requester of the decision on a request to join an organisation."""
    return _finish(f"join request {request_id} decided", notices.join_decided(request_id))
