"""Why a figure is hidden, in the reader's language.

Snapshots store the reason in English (alliance.disclosure.rules writes it, exports and the API keep it as
it is); a page or a chart says it in the reader's language. A reason no rule below knows is shown as
stored rather than hidden.
"""

import re

from flask_babel import gettext as _


def reason_text(stored: str | None) -> str:
    """'fewer than 3 buyers' → 'moins de 3 acheteurs' (fr)."""
    stored = (stored or "").strip()
    if match := re.fullmatch(r"fewer than (\d+) buyers", stored):
        return _("fewer than %(k)s buyers", k=match[1])
    if match := re.fullmatch(r"fewer than (\d+) suppliers", stored):
        return _("fewer than %(k)s suppliers", k=match[1])
    if match := re.fullmatch(r"one buyer holds more than (\d+)% of the volume", stored):
        return _("one buyer holds more than %(p)s%% of the volume", p=match[1])
    known = {
        "hidden so a suppressed figure cannot be derived": _("hidden so a suppressed figure cannot be derived"),
        "hidden so a suppressed figure cannot be narrowed down":
            _("hidden so a suppressed figure cannot be narrowed down"),
        "withheld by disclosure control": _("withheld by disclosure control"),
        "not published": _("not published"),
    }
    return known.get(stored, stored)
