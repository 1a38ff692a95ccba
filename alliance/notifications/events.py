"""Events other features report inside their transaction. They only record work (a PendingJob); the
notifications are written and mailed by workers.notifications after commit, once per event and user."""

from alliance.models import PendingJob
from alliance.queue import request_job


def summary_published(summary_id: int) -> PendingJob:
    """A demand summary was published: tell subscribed suppliers."""
    return request_job(f"notify_summary_published-{summary_id}", "workers.notifications.summary_published",
                       summary_id)


def dialogue_opened(dialogue_id: int) -> PendingJob:
    """A market dialogue was opened: tell subscribed suppliers."""
    return request_job(f"notify_dialogue_opened-{dialogue_id}", "workers.notifications.dialogue_opened",
                       dialogue_id)


def dialogue_answered(post_id: int) -> PendingJob:
    """A lead answered a question: tell the alliance's members and the dialogue's suppliers."""
    return request_job(f"notify_dialogue_answered-{post_id}", "workers.notifications.dialogue_answered", post_id)


def membership_requested(membership_id: int) -> PendingJob:
    """An organisation asked to join an alliance: tell the alliance's leads."""
    return request_job(f"notify_membership_requested-{membership_id}",
                       "workers.notifications.membership_requested", membership_id)


def membership_decided(membership_id: int) -> PendingJob:
    """A lead approved or declined a request: tell the requesting organisation."""
    return request_job(f"notify_membership_decided-{membership_id}",
                       "workers.notifications.membership_decided", membership_id)
