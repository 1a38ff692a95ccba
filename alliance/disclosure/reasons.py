"""Why a figure is hidden, as a rule code a snapshot stores and any page renders in its reader's language.

A code names the rule and its parameter: "k:3" fewer than 3 buyers, "ks:3" fewer than 3 suppliers,
"p:80" one buyer holds more than 80 %, "pp:20" another buyer could estimate one buyer's volume to within
20 % (the p% rule, its parameter the protection interval), "s" hidden so a suppressed figure cannot be derived (secondary
suppression), "a" hidden so one cannot be narrowed down (the protection-interval audit), "w" withheld by
disclosure control, "n" not published. A figure hidden for several reasons (a readiness row) joins their
codes with ";". Snapshots store the code ("reason_code") beside the English sentence ("reason", kept for
the API's readers); snapshots compiled before codes existed carry only the sentence, which code_of reads back.
Rendering in the reader's language is alliance.disclosure.wording's; this module is pure.
"""

import re

from alliance.disclosure.protection import AUDIT_REASON
from alliance.disclosure.rules import SECONDARY

WITHHELD = "withheld by disclosure control"
NOT_PUBLISHED = "not published"
# Code rule → the English sentence (with its parameter as %(n)s), and the key of the page legends' notes
# (one key per rule, so "k" means the same in every release and summary edition).
ENGLISH = {"k": "fewer than %(n)s buyers", "ks": "fewer than %(n)s suppliers",
           "p": "one buyer holds more than %(n)s%% of the volume",
           "pp": "another buyer could estimate one buyer's volume to within %(n)s%%", "s": SECONDARY, "a": AUDIT_REASON,
           "w": WITHHELD, "n": NOT_PUBLISHED}
NOTE_KEY = {"k": "k", "ks": "k", "p": "p", "pp": "p%", "s": "s", "a": "a"}
_CODE = re.compile(r"^(k|ks|pp|p|s|a|w|n)(:\d+)?(;(k|ks|pp|p|s|a|w|n)(:\d+)?)*$")
_SENTENCES = [(re.compile(r"^fewer than (\d+) buyers$"), "k"), (re.compile(r"^fewer than (\d+) suppliers$"), "ks"),
              (re.compile(r"^one buyer holds more than (\d+)% of the volume$"), "p"),
              (re.compile(r"^another buyer could estimate one buyer's volume to within (\d+)%$"), "pp")]


def is_code(value: str | None) -> bool:
    return bool(value) and bool(_CODE.match(value))


def code_of(reason: str | None) -> str:
    """The code of a reason given as a code or as the English sentence(s) an older snapshot stored ("" when no
    rule gives it: such a reason is shown as it is)."""
    if not reason:
        return ""
    if is_code(reason):
        return reason
    codes = []
    for sentence in reason.split("; "):
        code = next((f"{rule}:{match.group(1)}" for pattern, rule in _SENTENCES
                     if (match := pattern.match(sentence))), None)
        code = code or next((rule for rule, english in ENGLISH.items() if english == sentence), None)
        if code is None:
            return ""
        codes.append(code)
    return ";".join(codes)


def parts(code: str) -> list[tuple[str, int | None]]:
    """"ks:3;p:80" → [("ks", 3), ("p", 80)]."""
    out = []
    for part in code.split(";") if code else []:
        rule, _, number = part.partition(":")
        out.append((rule, int(number) if number else None))
    return out


def english(code: str) -> str:
    """The English sentence of a code: what the snapshot's "reason" field says."""
    return "; ".join(ENGLISH[rule] % {"n": number} if number is not None else ENGLISH[rule]
                     for rule, number in parts(code))


def note_key(reason: str | None) -> str:
    """The legend key of a reason (code or sentence): 'fewer than 3 buyers' and 'k:3' → 'k'; '*' when no rule
    gives it (e.g. 'not published')."""
    found = parts(code_of(reason))
    return NOTE_KEY.get(found[0][0], "*") if found else "*"
