"""How long the common-password check (zxcvbn) takes per new password, typical and worst case.

Run: .venv/bin/python bench/password_check.py — prints the median and worst time per check in ms.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alliance.auth.passwords import password_weakness  # noqa: E402

CASES = {
    "passphrase": "correct horse battery staple",
    "common": "password1234",
    "72 repeated characters": "a" * 72,
    "200 mixed characters (checked up to 72)": ("Tr0ub4dor&3-" * 17)[:200],
    "72 digits": "1234567890" * 7 + "12",
}


def main() -> None:
    password_weakness("warm up the dictionaries")
    for name, password in CASES.items():
        times = []
        for _ in range(20):
            start = time.perf_counter()
            password_weakness(password, ["someone@example.org", "Some One"])
            times.append((time.perf_counter() - start) * 1000)
        print(f"{name:42} median {statistics.median(times):6.1f} ms   worst {max(times):6.1f} ms")


if __name__ == "__main__":
    main()
