"""Where the app is reached: the proxies in front of it and the public address mailed links start with.

Links that leave the request (mail, notifications) are built from config BASE_URL, never from the request's
Host or X-Forwarded-Host header: a forged Host would otherwise put an attacker's address in front of a
password-reset token. Flask's TRUSTED_HOSTS refuses unknown Host headers; ProxyFix trusts exactly
PROXY_COUNT proxies (none by default), so a client cannot claim to be https or another address.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix


def init_public_address(app: Flask) -> None:
    proxies = app.config["PROXY_COUNT"]
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of endpoint on the configured public address (BASE_URL), in or out of a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
