"""A real RQ worker (`python -m workers`) whose first compile stalls inside compile_signals, so a fault
drill can SIGKILL it mid-job. It writes the work horse's pid to DRILL_MARKER once the job is inside."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alliance.logs import configure_logging  # noqa: E402
from alliance.signals import snapshots  # noqa: E402
from workers.__main__ import run_worker  # noqa: E402

real_compile = snapshots.compile_signals


def stalling_compile(*args, **kwargs):
    Path(os.environ["DRILL_MARKER"]).write_text(str(os.getpid()))
    time.sleep(120)  # killed long before this ends
    return real_compile(*args, **kwargs)


snapshots.compile_signals = stalling_compile
configure_logging()
run_worker()
