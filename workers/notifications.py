"""Notification jobs: enqueued after the event's commit (alliance.notifications.events) or by cron.

Each recomputes its recipients from the database and writes in one transaction; a second run of the
same job adds nothing (unique event keys), so retries and double enqueues are safe.
"""

from alliance.notifications import fanout
from alliance.queue import commit_and_dispatch
from workers.context import job, job_logger


def _finish(name: str, count: int) -> int:
    commit_and_dispatch()  # the mails' send jobs are enqueued only once their rows exist
    job_logger(__name__).info("%s: notified %d user(s)", name, count)
    return count


@job
def summary_published(summary_id: int) -> int:
    """Notify subscribed suppliers of a published demand summary."""
    return _finish(f"summary {summary_id} published", fanout.summary_published(summary_id))


@job
def dialogue_opened(dialogue_id: int) -> int:
    """Notify subscribed suppliers of a new market dialogue."""
    return _finish(f"dialogue {dialogue_id} opened", fanout.dialogue_opened(dialogue_id))


@job
def dialogue_answered(post_id: int) -> int:
    """Notify buyers of the alliance and the dialogue's suppliers of a lead's answer."""
    return _finish(f"answer {post_id}", fanout.dialogue_answered(post_id))


@job
def round_closing_reminders() -> int:
    """Daily: remind buyers of rounds that close within three days (once per round and user)."""
    return _finish("round closing reminders", fanout.round_closing_reminders())


@job
def membership_requested(membership_id: int) -> int:
    """Notify the alliance's leads of a request to join."""
    return _finish(f"membership {membership_id} requested", fanout.membership_requested(membership_id))


@job
def membership_decided(membership_id: int) -> int:
    """Notify the requesting organisation of the leads' decision."""
    return _finish(f"membership {membership_id} decided", fanout.membership_decided(membership_id))
