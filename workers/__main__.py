"""The worker entry point: `python -m workers [--burst]`.

One app context is pushed for the life of the worker; each job runs in a forked child, which first
drops the parent's database connections (a connection pool must not cross fork()).
"""

import argparse
import logging
import os

from rq import Worker

from alliance import create_app
from alliance.extensions import db
from alliance.logs import configure_logging
from alliance.queue import dispatch_pending_jobs, get_queue

_fork_hook_installed = False


def prepare_worker_process() -> None:
    """Make forked job processes open their own database connections (call inside the app context)."""
    global _fork_hook_installed
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
        _fork_hook_installed = True


def run_worker(burst: bool = False, config=None) -> bool:
    app = create_app(config)
    with app.app_context():
        prepare_worker_process()
        dispatch_pending_jobs()
        queue = get_queue()
        # Frequent heartbeats let the scheduler's sweep see a lost worker within a minute.
        worker = Worker([queue], connection=queue.connection,
                        job_monitoring_interval=app.config["JOB_HEARTBEAT_SECONDS"])
        return worker.work(burst=burst, with_scheduler=True, logging_level=logging.getLevelName(
            logging.getLogger("rq.worker").getEffectiveLevel()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Run an RQ worker for alliance.")
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    configure_logging()
    run_worker(burst=parser.parse_args().burst)
