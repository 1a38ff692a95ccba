"""Periodic jobs, as an RQ cron configuration: `rq cron workers/cron.py --url $REDIS_URL`.

The embedded setup (`make run`) starts the same schedule through `python -m workers.cron`.
"""

from rq import cron

from workers.maintenance import dispatch_pending
from workers.notifications import round_closing_reminders
from workers.rounds import close_overdue_rounds
from workers.signals import compile_open_rounds

QUEUE = "default"

cron.register(dispatch_pending, QUEUE, interval=60)
cron.register(compile_open_rounds, QUEUE, cron="30 2 * * *")
cron.register(close_overdue_rounds, QUEUE, cron="5 0 * * *")
cron.register(round_closing_reminders, QUEUE, cron="0 7 * * *")  # a reminder 3 days before a round closes


def run_cron() -> None:
    """Run the schedule against the app's Redis (embedded or REDIS_URL)."""
    from alliance import create_app
    from alliance.logs import configure_logging
    from alliance.queue import get_redis

    configure_logging()
    app = create_app()
    scheduler = cron.create_cron(get_redis(app))
    scheduler.start()


if __name__ == "__main__":
    run_cron()
