"""A hidden figure's reason in the reader's language (pages, charts): rendered from its rule code at display
time, so a snapshot compiled once reads in English, French and Spanish alike (codes: alliance.disclosure.reasons).
Exports and the API keep the English sentence the snapshot stores."""

from flask_babel import gettext as _

from alliance.disclosure.reasons import code_of, parts


def _sentence(rule: str, n: int | None) -> str:
    if rule == "k":
        return _("fewer than %(k)s buyers", k=n)
    if rule == "ks":
        return _("fewer than %(k)s suppliers", k=n)
    if rule == "p":
        return _("one buyer holds more than %(p)s%% of the volume", p=n)
    if rule == "pp":
        return _("another buyer could estimate one buyer's volume to within %(percent)s%%", percent=n)
    if rule == "s":
        return _("hidden so a suppressed figure cannot be derived")
    if rule == "a":
        return _("hidden so a suppressed figure cannot be narrowed down")
    if rule == "w":
        return _("withheld by disclosure control")
    return _("not published")


def reason_text(reason: str | None) -> str:
    """A reason (its code, or the English sentence an older snapshot stored) in the reader's language; a
    reason no rule gives is shown as it is."""
    code = code_of(reason)
    if not code:
        return reason or ""
    return "; ".join(_sentence(rule, n) for rule, n in parts(code))


def reason_of(row: dict) -> str:
    """What a snapshot row says about why it is hidden: its code, or the sentence of an older snapshot."""
    return row.get("reason_code") or row.get("reason") or ""
