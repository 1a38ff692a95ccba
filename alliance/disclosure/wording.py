"""A hidden figure's reason in the reader's language (pages, charts): rendered from its rule code at display
time, so a snapshot compiled once reads in English, French and Spanish alike (codes: alliance.disclosure.reasons).
Exports and the API keep the English sentence the snapshot stores."""

from flask_babel import gettext as _
from flask_babel import ngettext

from alliance.disclosure.reasons import code_of, parts
from alliance.language.labels import label


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


def figure_text(figure: list) -> str:
    """A published figure by its key, e.g. ["cell", "30213100-6", "2027-Q3", "SE"] → "30213100-6, 2027-Q3, SE"."""
    kind, *parts = figure
    if kind == "total":
        return _("the grand total")
    if kind == "category":
        return _("the %(cpv)s total", cpv=parts[0])
    if kind == "level":
        return _("%(cpv)s at the %(level)s level", cpv=parts[0], level=label(parts[1], "level"))
    if kind in ("set", "required"):
        return _("%(cpv)s, criteria set %(set)s", cpv=parts[0], set=parts[1])
    return ", ".join(str(part) for part in parts)


def held_text(held: dict) -> str:
    """Why a compiled snapshot was not released to the public (ReleaseDecision.held), in whole sentences."""
    rule, _sep, percent = held["rule"].partition(":")
    figure = figure_text(held["figure"])
    if held.get("hidden_part"):
        figure = _("the hidden part of %(figure)s", figure=figure)
    if rule == "p":
        sentence = _("Since public release %(release)s, one buyer made more than %(p)s%% of the change in "
                     "%(figure)s.", release=held["since"], p=percent, figure=figure)
    elif rule == "pp":
        sentence = _("Since public release %(release)s, one buyer could estimate another's change in %(figure)s "
                     "to within %(p)s%%.", release=held["since"], p=percent, figure=figure)
    else:
        sentence = ngettext("Since public release %(release)s, only %(num)d buyer changed %(figure)s.",
                            "Since public release %(release)s, only %(num)d buyers changed %(figure)s.",
                            held["buyers"], release=held["since"], figure=figure)
    if held.get("affected", 1) > 1:
        sentence += " " + ngettext("%(num)d figure is affected.", "%(num)d figures are affected.", held["affected"])
    return sentence + " " + _("The public keeps seeing the last release until more buyers change these figures.")


def held_reason_text(snapshot) -> str:
    """A held snapshot's reason in the reader's language; a snapshot compiled before reasons were stored as
    data gives its English sentence."""
    held = ((snapshot.lead_data or {}).get("release_check") or {}).get("held")
    return held_text(held) if held else (snapshot.held_reason or _("held"))
