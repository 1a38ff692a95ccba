"""Login rate limits, shared by the login form and the API's token endpoint.

Both doors count against the same per-account and per-address budgets, and every attempt that does not
log in counts, so a guesser gets the same few tries whichever way they come in, while logging in
successfully never uses the budget up.

Knowing someone's e-mail address must not be enough to lock them out, so browsers that logged in before
are trusted (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a successful login sets a
signed device cookie naming the account (by a keyed digest of its e-mail, not the address itself) and a
random nonce. An attempt carrying a valid device cookie for the account it names skips the per-account
and per-address budgets a stranger can exhaust, and counts against that device's own budget instead, so
a stolen device cookie gets few guesses too (and is then refused until its window passes).
"""

import hashlib
import hmac
import secrets

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from alliance.auth.passwords import normalise_email
from alliance.extensions import limiter
from alliance.models import User

DEVICE_COOKIE = "alliance_device"
DEVICE_MAX_AGE = 365 * 24 * 3600


def mark_login_succeeded() -> None:
    """Call when an attempt logs in: it does not use up the budgets."""
    g.login_succeeded = True


def _failed(_response) -> bool:
    return not g.get("login_succeeded", False)


def _submitted_email() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    email = body.get("email") if isinstance(body, dict) else request.form.get("email")
    return normalise_email(email if isinstance(email, str) else "")


def _account_key() -> str:
    return "login-account:" + _submitted_email()


def _account_digest(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"login-device:" + normalise_email(email).encode(), hashlib.sha256).hexdigest()[:32]


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _trusted_device() -> str | None:
    """The nonce of this request's device cookie when it is valid for the account being logged in to."""
    if "login_device" not in g:
        nonce = None
        try:
            data = _device_serializer().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_MAX_AGE)
        except BadSignature:
            data = None
        if (isinstance(data, dict) and isinstance(data.get("n"), str)
                and hmac.compare_digest(str(data.get("a", "")), _account_digest(_submitted_email()))):
            nonce = data["n"]
        g.login_device = nonce
    return g.login_device


def remember_device(response, user: User):
    """Mark this browser as one the user logs in from (a fresh nonce on every successful login)."""
    value = _device_serializer().dumps({"a": _account_digest(user.email), "n": secrets.token_urlsafe(16)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="login-account", key_func=_account_key,
    methods=["POST"], deduct_when=_failed, exempt_when=lambda: _trusted_device() is not None,
)
per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], scope="login-address", methods=["POST"], deduct_when=_failed,
    exempt_when=lambda: _trusted_device() is not None,
)
per_device = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_DEVICE"], scope="login-device",
    key_func=lambda: "login-device:" + (_trusted_device() or "none"),
    methods=["POST"], deduct_when=_failed, exempt_when=lambda: _trusted_device() is None,
)
