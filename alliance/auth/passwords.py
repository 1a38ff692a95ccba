"""Password hashing and checking. One place decides the algorithm (config PASSWORD_HASH_METHOD) and which
new passwords are too easy to guess."""

import threading

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms.validators import ValidationError
from zxcvbn import zxcvbn

from alliance.extensions import db
from alliance.models import User

# Checked against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost for unknown e-mail and wrong password)."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        check_password_hash(_DUMMY_HASH.setdefault(method, generate_password_hash("x", method=method)), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


# zxcvbn (Dropbox's estimator, MIT) knows the 30,000 most common passwords of published breach corpora, English
# words and names, and the patterns people build on them (keyboard walks, repeats, dates, l33t, appended
# digits). OWASP ASVS asks to refuse common passwords without composition rules. Score 3 is zxcvbn's "safely
# unguessable: moderate protection from an offline slow-hash scenario": fewer than 10^8 guesses is refused.
MIN_STRENGTH = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn's own bound; its work grows fast with length, and 72 characters tell enough
_zxcvbn_lock = threading.Lock()  # zxcvbn keeps the user inputs of a call in a module-level dictionary


def password_weakness(password: str, user_inputs: list[str] = ()) -> str | None:
    """Why password is too easy to guess (a common password, a pattern, the user's own name or e-mail), or None."""
    words = [w for value in user_inputs if value for w in [value, *value.replace("@", " ").replace(".", " ").split()]]
    with _zxcvbn_lock:
        result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)
    if result["score"] >= MIN_STRENGTH:
        return None
    warning = result["feedback"]["warning"]
    if not warning or str(get_locale() or "en") != "en":  # zxcvbn's warnings exist in English only
        warning = _("This password is easy to guess.")
    return _("%(warning)s Choose a longer phrase of a few unrelated words.", warning=warning)


def strong_password(form, field) -> None:
    """WTForms validator for every field that sets a password: refuses common and easily guessed ones.
    Compares with the form's e-mail and name fields, the logged-in user's, and `form.account_words`."""
    words = [getattr(getattr(form, name, None), "data", None) for name in ("email", "name")]
    words += list(getattr(form, "account_words", []))
    if current_user and current_user.is_authenticated:
        words += [current_user.email, current_user.name]
    reason = password_weakness(field.data or "", [w for w in words if isinstance(w, str)])
    if reason:
        raise ValidationError(reason)
