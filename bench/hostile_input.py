"""Benchmark: how long the app takes to refuse hostile bodies and uploads, and the peak memory it uses.

    .venv/bin/python bench/hostile_input.py

No database rows are needed: every request is refused before a view runs (an in-memory SQLite app).
"""

import io
import json
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402, F401  (imported up front: the XLSX figure is the check, not the import)

from alliance import create_app  # noqa: E402
from alliance.pledges import importing  # noqa: E402
from config import TestConfig  # noqa: E402


def measure(label: str, action) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    outcome = action()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<58} {seconds * 1000:8.1f} ms  peak {peak / 1024 / 1024:7.1f} MB  -> {outcome}")


def main() -> None:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    config.SECRET_KEY = "bench"
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    client = app.test_client()

    keys = json.dumps({f"k{index}": index for index in range(1_500_000)})
    measure(f"{len(keys) / 1e6:.1f} MB JSON of 1.5 million keys to /api/v1/auth/token",
            lambda: client.post("/api/v1/auth/token", data=keys, content_type="application/json").status_code)
    deep = "[" * 30_000 + "]" * 30_000
    measure("JSON nested 30,000 deep (60 KB) to /api/v1/auth/token",
            lambda: client.post("/api/v1/auth/token", data=deep, content_type="application/json").status_code)
    form = {"title": "x", "description": "x" * 10_000_000}
    measure("10 MB form post to /dialogues/new",
            lambda: client.post("/dialogues/new", data=form).status_code)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/sharedStrings.xml", b"<sst><si><t>" + b"A" * 1_000_000_000 + b"</t></si></sst>")
    data = out.getvalue()
    measure(f"XLSX of {len(data) / 1e6:.1f} MB whose shared strings unpack to 1 GB",
            lambda: _refusal(data))


def _refusal(data: bytes) -> str:
    try:
        importing.estimate_rows(data, "bomb.xlsx")
    except importing.ImportFileError as error:
        return str(error)[:60] + "…"
    return "read"


if __name__ == "__main__":
    main()
