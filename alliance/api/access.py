"""Loading the objects an API resource works on, with the API's JSON 404."""

from flask_babel import gettext as _

from alliance.alliances.access import alliance_by_slug
from alliance.api.errors import api_abort
from alliance.models import Alliance


def api_alliance(slug: str) -> Alliance:
    """For API views: the alliance, or a 404 JSON error."""
    alliance = alliance_by_slug(slug)
    if alliance is None:
        api_abort(404, _("No alliance '%(slug)s'.", slug=slug[:60]))
    return alliance
