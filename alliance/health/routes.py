"""GET /healthz: JSON, 200 while this instance can serve (the database answers), 503 when it cannot."""

import hmac

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from alliance.extensions import limiter
from alliance.health.report import health_report

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    report = health_report()
    response = jsonify(report.as_dict(with_detail=_may_see_detail()))
    response.status_code = 200 if report.healthy else 503
    response.headers["Cache-Control"] = "no-store"
    if not report.healthy:
        response.headers["Retry-After"] = "5"
    return response


def _may_see_detail() -> bool:
    token = current_app.config.get("HEALTH_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return bool(current_user.is_authenticated and current_user.is_admin)
    except Exception:  # the database is down: nobody's session can be checked
        return False
