"""Every refusal a person reads is marked for translation.

A domain error's message is shown as it is (alliance/errors.py): on the error page, next to a form field, in
a flash or in the API's JSON error. So a `raise SomeError("English words")` or `raise SomeError(f"... {x}")`
left unmarked is English on a French page. This walks alliance/ and fails on every raise whose message is
a plain string (a literal, an f-string, or one formatted with % or .format) not wrapped in _() / _l() /
gettext / ngettext, and as well on such a message given to abort(), api_abort() or flash(). test_translations.py
then checks each marked message has its French and Spanish.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext"}
# Calls that show their message to a person, and which positional argument the message is.
MESSAGE_CALLS = {"abort": 1, "api_abort": 1, "flash": 0}

# Messages no person reads in the app, by module, and why. Commands and jobs run with no reader whose
# language to ask (alliance.language.select_locale answers English there).
EXCLUDED_MODULES = {
    "alliance/cli.py": "flask commands: the operator's terminal",
    "alliance/reference/commands.py": "flask load-reference: the operator's terminal",
    "alliance/signals/commands.py": "flask compile-signals: the operator's terminal",
    "alliance/reference/loader.py": "checks the reference data files shipped with the app; a developer fixes them",
    "alliance/disclosure/audit.py": "the confidentiality audit's own failure, raised in tests and the bench",
}
# Errors that mean a bug in the caller, by module and exception class.
EXCLUDED_RAISES = {
    ("alliance/mail.py", "ValueError"): "a secret link without its [[mark]] in a mail body: a programming error",
    ("alliance/models/base.py", "ValueError"): "a naive datetime given to a model: a programming error",
    ("alliance/pledges/importing.py", "ValueError"): "upload_path() only takes the names the app generated",
    ("alliance/signals/snapshots.py", "RoundNotFoundError"): "compile_signals() for an unknown round: a job's error",
}


def _is_marked(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS


def _plain_text(node: ast.AST) -> str | None:
    """The English words of a message built from string literals without _(), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):  # "..." % x, "..." + x
        return _plain_text(node.left) or _plain_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _plain_text(node.func.value)
    return None


def _name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else ast.unparse(call.func)


def _messages(node: ast.AST, module: str) -> tuple[str, list[ast.AST]]:
    """The exception or function name and the message arguments of a raise or a message call."""
    if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
        name = _name(node.exc)
        if (module, name) in EXCLUDED_RAISES:
            return name, []
        return name, node.exc.args[:1] + [k.value for k in node.exc.keywords if k.arg == "message"]
    if isinstance(node, ast.Call) and _name(node) in MESSAGE_CALLS:
        position = MESSAGE_CALLS[_name(node)]
        return _name(node), node.args[position:position + 1] + [k.value for k in node.keywords if k.arg == "message"]
    return "", []


def unmarked_refusals(source: str, module: str) -> list[str]:
    """`module:line: Error: message` for each raise or message call in source whose message is plain text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        name, messages = _messages(node, module)
        for message in messages:
            text = None if _is_marked(message) else _plain_text(message)
            if text and re.search("[A-Za-z]{2}", text):
                found.append(f"{module}:{node.lineno}: {name}: {text[:70]!r}")
    return found


def test_every_refusal_in_alliance_is_marked_for_translation():
    found = []
    for path in sorted((ROOT / "alliance").rglob("*.py")):
        module = str(path.relative_to(ROOT))
        if module not in EXCLUDED_MODULES:
            found += unmarked_refusals(path.read_text(), module)
    assert not found, "wrap these messages in _() with named placeholders:\n" + "\n".join(found)


def test_the_exclusions_name_modules_and_errors_that_exist():
    """An exclusion outliving its code would silently exempt whatever comes to live there."""
    for module in EXCLUDED_MODULES:
        assert (ROOT / module).exists(), module
    for module, name in EXCLUDED_RAISES:
        assert f"raise {name}(" in (ROOT / module).read_text(), (module, name)


def test_the_check_finds_plain_messages_and_passes_marked_ones():
    source = '''
def f(x):
    raise MembershipError("Your organisation is a member already.")
    raise SummaryError(f"The title is limited to {x} characters.", "title")
    raise AdminError("'%s' is not a list code." % x)
    raise AdminError("{} is not a list code.".format(x))
    raise PledgeReadOnlyError(message="Leads only read it.")
    raise MembershipError(_("Your organisation is a member already."))
    raise SummaryError(_("The title is limited to %(limit)s characters.", limit=x), "title")
    raise NotFoundError()
    raise ValueError(x)
    raise PledgeInvalidError({"quantity": _("The quantity cannot be negative.")})
    raise RoundClosedError(reason)
    raise KeyError(f"{x}")
    api_abort(404, f"No summary {x}.")
    api_abort(404, _("No summary %(id)s.", id=x))
    abort(400, "The request contains a NUL character.")
    flash(f"{x} pledges imported.", "success")
    flash(_("%(format)s pledges imported.", format=x), "success")
    abort(404)
'''
    found = unmarked_refusals(source, "alliance/example.py")
    assert sorted(line.split(": ")[1] for line in found) == sorted([
        "MembershipError", "SummaryError", "AdminError", "AdminError", "PledgeReadOnlyError",
        "api_abort", "abort", "flash"])


# --- What a reader gets -------------------------------------------------------------------------------------

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
SPANISH = {"Accept-Language": "es"}


def test_pledging_refusals_follow_the_readers_language(app, client):
    from tests.factories import api_token, make_pledging_round, pledge_fields

    world = make_pledging_round(app)
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": 150}

    def refusal(who, headers, method="post", path="/api/v1/alliances/ict/pledges", json=body):
        token = {"Authorization": f"Bearer {api_token(client, world[who])}"}
        response = getattr(client, method)(path, json=json, headers=token | headers)
        assert response.status_code == 403, response.get_json()
        return response.get_json()["error"]["message"]

    # The organisation's own refusal (pledges.access), in French, and English without Accept-Language.
    assert refusal("outsider", FRENCH) == ("Votre organisation n'est pas membre de cette alliance\u00a0; "
                                           "demandez d'abord à y adhérer.")
    assert refusal("outsider", {}) == "Your organisation is not a member of this alliance; ask to join it first."
    # A lead reads a member's pledge but may not change it.
    token = {"Authorization": f"Bearer {api_token(client, world.a)}"}
    created = client.post("/api/v1/alliances/ict/pledges", json=body, headers=token).get_json()
    change = {"quantity": 10, "version": created["version"]}
    assert refusal("lead", SPANISH, "patch", f"/api/v1/pledges/{created['id']}", change) == (
        "Los coordinadores ven los compromisos de cada miembro, pero solo el propio miembro los modifica.")


def test_a_membership_refusal_names_the_sectors_in_the_readers_language(app):
    from alliance.alliances.membership import AllianceSettings, MembershipError, create_alliance
    from alliance.extensions import db
    from alliance.models import User
    from tests.factories import make_user

    user_id = make_user(app, is_admin=True)
    with app.test_request_context("/", headers=SPANISH):
        with pytest.raises(MembershipError) as refused:
            create_alliance(db.session.get(User, user_id), "textiles", "Textiles", "textiles",
                            AllianceSettings(charter="", k=3, p=80), "EUR", 0)
    assert refused.value.message == "Elija uno de estos: TIC, Salud, Construcción, Alimentación."
    assert refused.value.fields == {"sector": refused.value.message}


def test_hidden_figures_say_why_in_the_readers_language(app, client):
    from tests.test_signals import compile_round, market

    world = market(app)
    compile_round(app, world.round_id)
    french = client.get("/alliances/ict/signals", headers=FRENCH).get_data(as_text=True)
    # The legend, and each mark's reason for screen readers and as a tooltip.
    assert re.search(r"<td>moins de \d+ acheteurs</td>", french)
    assert re.search(r"masqué\W+masqué pour qu&#39;un chiffre supprimé ne puisse pas être déduit", french)
    assert "fewer than" not in french and "hidden so" not in french
    english = client.get("/alliances/ict/signals", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r"<td>fewer than \d+ buyers</td>", english)
