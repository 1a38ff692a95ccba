"""Texts that keep the language they were written in (criteria quote their source): pages mark them with
`lang` and say which language it is when it is not the page's, e.g. "(in English)" on a French page."""

from babel import Locale, UnknownLocaleError
from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

# The official languages of the EU, which the criteria sources publish in (ISO 639-1 codes).
SOURCE_LANGUAGES = ("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv",
                    "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv")


def language_name(code: str) -> str:
    """The language's name in the page's language: "en" → "English" (en), "anglais" (fr), "inglés" (es)."""
    try:
        return Locale.parse(code).get_display_name(str(get_locale() or "en")) or code
    except (ValueError, UnknownLocaleError):
        return code


def language_choices() -> list[tuple[str, str]]:
    """(code, name) for a select field, by name in the page's language."""
    return sorted(((code, language_name(code)) for code in SOURCE_LANGUAGES), key=lambda item: item[1].casefold())


def language_note(code: str | None) -> Markup:
    """' (in English)' after a text in another language than the page's; nothing when they agree."""
    code = code or "en"
    if code == str(get_locale() or "en").split("_")[0]:
        return Markup("")
    note = _("(in %(language)s)", language=language_name(code))
    return Markup(' <span class="muted language-note">%s</span>') % escape(note)


def init_source_text(app: Flask) -> None:
    app.add_template_global(language_note, "language_note")
