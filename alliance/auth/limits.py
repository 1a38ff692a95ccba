"""Login rate limits, shared by the login form and the API's token endpoint.

Both doors count against the same per-account and per-address budgets, and every attempt that does not
log in counts, so a guesser gets the same few tries whichever way they come in, while logging in
successfully never uses the budget up.
"""

from flask import current_app, g, request

from alliance.auth.passwords import normalise_email
from alliance.extensions import limiter


def mark_login_succeeded() -> None:
    """Call when an attempt logs in: it does not use up the budgets."""
    g.login_succeeded = True


def _failed(_response) -> bool:
    return not g.get("login_succeeded", False)


def _account_key() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    email = body.get("email") if isinstance(body, dict) else request.form.get("email")
    return "login-account:" + normalise_email(email if isinstance(email, str) else "")


per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="login-account", key_func=_account_key,
    methods=["POST"], deduct_when=_failed,
)
per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], scope="login-address", methods=["POST"], deduct_when=_failed,
)
