"""The language a message is written in when its reader is not the one on the page: mail and in-app
notifications go out in the recipient's language, whoever triggered them, in a request or in a job."""

from contextlib import AbstractContextManager

from flask_babel import force_locale, get_locale

from alliance.language import LANGUAGES


def recipient_locale(user, fallback: str = "en") -> str:
    """The user's own choice (User.locale), else `fallback`: English, unless the caller knows the recipient
    is the one at the keyboard (then the page's language, see page_locale)."""
    chosen = getattr(user, "locale", "") or ""
    if chosen in LANGUAGES:
        return chosen
    return fallback if fallback in LANGUAGES else "en"


def written_for(user, fallback: str = "en") -> AbstractContextManager:
    """Render the texts made inside this block in the recipient's language, not the page's.

    A job has no request, so without it every message would stay English; in a request it would be the
    language of whoever clicked, not of whoever reads."""
    return force_locale(recipient_locale(user, fallback))


def page_locale() -> str:
    """The language of the current page; English outside a request."""
    return str(get_locale() or "en")
