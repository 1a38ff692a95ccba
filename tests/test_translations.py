"""Every message is marked for translation and translated into French and Spanish.

The messages are extracted from the code and templates as `pybabel extract -F babel.cfg -k _l` does, so a
string added without a translation fails here, and so does visible template text not wrapped in _().
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from alliance.language import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "alliance" / "translations"
# Every template, and any new one, is checked.
MARKED_TEMPLATES = sorted(str(path.relative_to(ROOT / "templates")) for path in (ROOT / "templates").rglob("*.html"))
# Words that stay as they are in every language: the product's name, standards and formats.
UNTRANSLATED = {"alliance", "CPV", "OCDS", "CSV", "XLSX", "DOCX", "PDF", "API", "JSON", "ISO", "NUTS", "EUR", "SDG"}
TRANSLATABLE_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
JINJA = "\u2063"  # stands in for a Jinja expression or tag while the HTML is parsed


def _messages() -> set[str]:
    method_map = [("alliance/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords, options_map={"templates/**.html": {}}):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_marked_message_is_translated(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(_messages() - translated)
    assert not missing, f"{language}: translate these (pybabel update, then edit the .po): {missing[:20]}"


class _VisibleText(HTMLParser):
    """Collects the text a reader sees (and the attributes a screen reader reads) that has letters left
    once every Jinja expression is taken out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in TRANSLATABLE_ATTRIBUTES or (tag == "meta" and name == "content" and ("name", "description") in attrs):
                self._check(value or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)

    def _check(self, text: str) -> None:
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text.replace(JINJA, " ")) if w not in UNTRANSLATED]
        if words:
            self.found.append(" ".join(text.replace(JINJA, "…").split()))


def _unmarked_text(source: str) -> list[str]:
    """Visible text and translatable attribute values outside Jinja expressions."""
    without_comments = re.sub(r"{#.*?#}", "", source, flags=re.S)
    parser = _VisibleText()
    parser.feed(re.sub(r"{{.*?}}|{%.*?%}", JINJA, without_comments, flags=re.S))
    parser.close()
    return parser.found


@pytest.mark.parametrize("template", MARKED_TEMPLATES)
def test_templates_have_no_text_left_unmarked(template):
    source = (ROOT / "templates" / template).read_text()
    assert _unmarked_text(source) == [], f"wrap these in {{{{ _('…') }}}} in templates/{template}"


def test_the_unmarked_text_check_finds_text(tmp_path):
    assert _unmarked_text('<p class="x">Hello there</p>') == ["Hello there"]
    assert _unmarked_text('<a aria-label="Close menu" href="{{ url }}">{{ _("Close") }}</a>') == ["Close menu"]
    assert _unmarked_text('<p>{{ _("Hello") }} · alliance</p>') == []


def test_pages_follow_the_browser_and_the_users_choice(app, client):
    french = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fr">' in french and "Acheter durable, ensemble" in french
    spanish = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Comprar de forma sostenible, juntos" in spanish

    client.post("/language", data={"locale": "es", "next": "/"})  # an anonymous choice: its own session only
    assert "Comprar de forma sostenible" in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert client.post("/language", data={"locale": "xx"}).status_code == 400


def test_a_users_language_is_kept_on_the_account(app, client):
    from alliance.extensions import db
    from alliance.models import User
    from tests.factories import csrf_token, login, make_user

    user_id = make_user(app, email="lang@example.test")
    login(client, "lang@example.test")
    assert client.post("/language", data={"locale": "fr"}).status_code == 400  # a signed-in user needs CSRF
    client.post("/language", data={"csrf_token": csrf_token(client, "/"), "locale": "fr"})
    with app.app_context():
        assert db.session.get(User, user_id).locale == "fr"
    other = app.test_client()
    login(other, "lang@example.test")
    assert "Accueil" in other.get("/").get_data(as_text=True)  # the title, on a new device


def test_numbers_money_and_dates_follow_the_locale(app):
    from datetime import date

    from alliance.language import day, money, number

    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert money(123450, "EUR") == "1\u202f234,50 EUR" and number(15020) == "15\u202f020"
        assert day(date(2026, 11, 26)) == "26 nov. 2026"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert money(123450, "EUR") == "1,234.50 EUR" and number(15020) == "15,020"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert money(123450, "EUR") == "1.234,50 EUR"


def test_cached_public_pages_are_kept_per_language(app, client):
    """The public dashboard is cached for anonymous visitors: a French visitor must not get the English copy."""
    from tests.test_signals import compile_round, market

    world = market(app)
    compile_round(app, world["round_id"])
    english = client.get("/alliances/ict/signals", headers={"Accept-Language": "en"})
    french = client.get("/alliances/ict/signals", headers={"Accept-Language": "fr"})
    assert english.headers["ETag"] != french.headers["ETag"]
    assert '<html lang="fr">' in french.get_data(as_text=True) and "Accept-Language" in french.headers["Vary"]
    assert 'name="csrf_token"' not in french.get_data(as_text=True).split("<footer", 1)[1]
