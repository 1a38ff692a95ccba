"""HTTP caching for public pages built from immutable data (a compiled snapshot, a published summary).

For anonymous visitors, a page gets an ETag made of the ids and versions it is built from; a client that
already has it gets 304 without the page being rendered, and a rendered page is kept in this process, so
a busy public page costs a few small queries. Signed-in users are not cached: their pages carry their
name, their navigation and forms.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

# Part of every ETag: a restart may bring new templates, so earlier tags must not match.
_STARTED = repr(time.time())
_KEPT_PAGES = 64
_pages: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def public_etag(*parts) -> str | None:
    """The ETag of a page everyone anonymous sees alike, built from `parts`; None for a signed-in user,
    and for a visitor with a message waiting to be shown (it would be kept in the page for everyone)."""
    if current_user.is_authenticated or session.get("_flashes"):
        return None
    # The page is rendered in the visitor's language: each language is a page of its own.
    locale = str(get_locale())
    return hashlib.sha256(repr((_STARTED, locale, request.path, request.query_string, *parts)).encode()).hexdigest()[:40]


def cached_page(etag: str | None, render: Callable[[], str]) -> Response:
    """Answer with render()'s page, or 304 when the client has `etag`, or the copy kept for `etag`."""
    if etag is None:
        return make_response(render())
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        with _lock:
            page = _pages.get(etag)
            if page is not None:
                _pages.move_to_end(etag)
        if page is None:
            page = render()
            with _lock:
                _pages[etag] = page
                while len(_pages) > _KEPT_PAGES:
                    _pages.popitem(last=False)
        response = make_response(page)
    response.set_etag(etag)
    # Shared caches may keep it but must ask again each time (a new snapshot changes the tag).
    response.headers["Cache-Control"] = "public, no-cache"
    response.vary.update(("Accept-Language", "Cookie"))
    return response
