"""Logging for the processes alliance runs (web server, worker, scheduler, CLI): called by each entry
point, never by create_app, so an app built by a test or by another program keeps its host's logging."""

import logging

# RQ's routine lines (a job dequeued, a job done, the scheduler's heartbeats) come several times a minute
# from the per-minute sweep and would bury the request log; warnings and errors still show.
QUIET_LOGGERS = ("rq.worker", "rq.cron", "rq.scheduler", "rq.queue", "alembic.runtime.plugins")


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
