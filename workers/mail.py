"""E-mail jobs."""

from alliance.mail import deliver
from workers.context import job


@job
def send_mail(message_id: int) -> bool:
    """Send one mail of the outbox; a second run for the same mail sends nothing."""
    return deliver(message_id)
