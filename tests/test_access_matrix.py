"""The access matrix: every route of the app's URL map × every role × ids that belong to other parties.

Each route (method + rule, one row per value of an `any(...)` part) has a row in EXPECTED giving the exact status
each role gets, in the order of ROLES. A route without a row fails `test_every_route_has_an_expectation`,
which prints the row to add (with the statuses seen, to check before pasting). Every response is also searched
for the two buyers' pledge volumes: only that buyer organisation and the alliance's leads may ever see them.

The ids in the URLs belong to someone: the pledge, API token, notification, import job and mail message are
buyer A's; the subscription is the supplier's; the summary is a leads-only draft; the membership is buyer B's.
Buyers A and B each administer their organisation; the organisation, its join request, invitation and member
are B's. A statement edition is the leads' draft (the published one where only that makes sense).
Posts carry a valid CSRF token of the caller's session and no other field, so they test the access check,
not the form.

The world is built once for the module. Every role meets it as built: after any request that changed a table
row or a Redis key (a fingerprint of both is compared), it is built again before the next request.
"""

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from alliance import create_app
from alliance.extensions import db, limiter
from alliance.queue import get_redis
from config import TestConfig
from tests.conftest import empty_state
from tests.factories import csrf_token, login, make_pledging_round, make_summary, make_user

ROLES = ("anonymous", "buyer_a", "buyer_b", "lead", "supplier", "admin")

# "METHOD /rule": "status per role, in the order of ROLES". 302 is a redirect (to the login page for anonymous
# visitors, or after a successful action); 400 is a form whose fields are missing (the caller may use it).
EXPECTED = {
    "DELETE /api/v1/pledges/<pledge_id>": "401 428 404 428 404 404",
    "GET /": "200 200 200 200 200 200",
    "GET /admin/": "302 403 403 403 403 200",
    "GET /admin/alliances/new": "302 403 403 403 403 200",
    "GET /admin/audit": "302 403 403 403 403 200",
    "GET /admin/mail": "302 403 403 403 403 200",
    "GET /admin/mail/<message_id>": "302 403 403 403 403 200",
    "GET /admin/organisations": "302 403 403 403 403 200",
    "GET /admin/users": "302 403 403 403 403 200",
    "GET /alliances/": "200 200 200 200 200 200",
    "GET /alliances/<slug>": "200 200 200 200 200 200",
    "GET /alliances/<slug>/criteria/": "200 200 200 200 200 200",
    "GET /alliances/<slug>/criteria/<set_id>": "404 404 404 200 404 404",
    "GET /alliances/<slug>/criteria/<set_id>/criteria/<criterion_id>": "302 403 403 200 403 403",
    "GET /alliances/<slug>/criteria/<set_id>/criteria/new": "302 403 403 200 403 403",
    "GET /alliances/<slug>/criteria/new": "302 403 403 200 403 403",
    "GET /alliances/<slug>/rounds/": "200 200 200 200 200 200",
    "GET /alliances/<slug>/rounds/<round_id>": "200 200 200 200 200 200",
    "GET /alliances/<slug>/rounds/<round_id>/edit": "302 403 403 409 403 403",
    "GET /alliances/<slug>/rounds/<round_id>/statement": "200 200 200 200 200 200",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>": "404 404 404 200 404 404",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>.docx": "404 404 404 200 404 404",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>.pdf": "404 404 404 200 404 404",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>/discard": "302 404 404 200 404 404",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>/edit": "302 404 404 200 404 404",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>/publish": "302 404 404 200 404 404",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>/sign": "302 200 200 200 303 303",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>/unsign": "302 200 200 200 303 303",
    "GET /alliances/<slug>/rounds/<round_id>/statement/<edition>/withdraw": "302 404 404 200 404 404",
    "GET /alliances/<slug>/rounds/new": "302 403 403 200 403 403",
    "GET /alliances/<slug>/settings": "302 403 403 200 403 403",
    "GET /alliances/<slug>/signals": "200 200 200 200 200 200",
    "GET /api/v1/alliances": "200 200 200 200 200 200",
    "GET /api/v1/alliances/<slug>": "200 200 200 200 200 200",
    "GET /api/v1/alliances/<slug>/criteria-sets": "200 200 200 200 200 200",
    "GET /api/v1/alliances/<slug>/pledges": "401 200 200 200 403 200",
    "GET /api/v1/alliances/<slug>/rounds": "200 200 200 200 200 200",
    "GET /api/v1/alliances/<slug>/signals/latest": "200 200 200 200 200 200",
    "GET /api/v1/dialogues": "200 200 200 200 200 200",
    "GET /api/v1/dialogues/<dialogue_id>": "200 200 200 200 200 200",
    "GET /api/v1/dialogues/<dialogue_id>/posts": "200 200 200 200 200 200",
    "GET /api/v1/jobs/<job_id>": "401 404 404 200 404 404",
    "GET /api/v1/openapi.json": "200 200 200 200 200 200",
    "GET /api/v1/pledges/<pledge_id>": "401 200 404 200 404 404",
    "GET /api/v1/summaries": "200 200 200 200 200 200",
    "GET /api/v1/summaries/<summary_id>": "404 404 404 200 404 404",
    "GET /api/v1/summaries/<summary_id>.csv": "404 404 404 404 404 404",
    "GET /api/v1/summaries/<summary_id>.ocds.json": "404 404 404 404 404 404",
    "GET /api/v1/summaries/<summary_id>.xlsx": "404 404 404 404 404 404",
    "GET /api/v1/summaries/<summary_id>/withdrawal.ocds.json": "404 404 404 404 404 404",
    "GET /api/v1/suppliers/me/declarations": "401 403 403 403 200 403",
    "GET /auth/account": "302 200 200 200 200 200",
    "GET /auth/confirm/<token>": "302 302 302 302 302 302",
    "GET /auth/login": "200 302 302 302 302 302",
    "GET /auth/register": "200 302 302 302 302 302",
    "GET /auth/reset": "200 200 200 200 200 200",
    "GET /auth/reset/<token>": "302 302 302 302 302 302",
    "GET /criteria-sets/<criteria_set_id>/tender.docx": "200 200 200 200 200 200",
    "GET /criteria-sets/<criteria_set_id>/tender.md": "200 200 200 200 200 200",
    "GET /dialogues/": "200 200 200 200 200 200",
    "GET /dialogues/<dialogue_id>": "200 200 200 200 200 200",
    "GET /dialogues/new": "302 403 403 200 403 403",
    "GET /healthz": "200 200 200 200 200 200",
    "GET /notifications/": "302 200 200 200 200 200",
    "GET /notifications/preferences": "302 200 200 200 200 200",
    "GET /organisations/<organisation_id>/manage": "302 404 200 404 404 200",
    "GET /organisations/invitation/<token>": "200 200 200 200 200 200",
    "GET /organisations/requests": "302 403 403 403 403 200",
    "GET /organisations/search": "302 302 302 302 302 302",
    "GET /organisations/start": "302 200 200 200 200 200",
    "GET /pledges/": "302 200 200 200 200 200",
    "GET /pledges/<pledge_id>": "302 200 404 200 404 404",
    "GET /pledges/<pledge_id>/withdraw": "302 200 404 403 404 404",
    "GET /pledges/imports/<pending_id>": "302 200 404 404 404 404",
    "GET /pledges/rounds/<round_id>": "302 200 200 200 200 200",
    "GET /pledges/rounds/<round_id>/all": "302 403 403 200 403 403",
    "GET /pledges/rounds/<round_id>/import": "302 200 200 200 403 403",
    "GET /pledges/rounds/<round_id>/import-template.csv": "302 200 200 200 403 403",
    "GET /rounds/": "200 200 200 200 200 200",
    "GET /settings/tokens": "302 200 200 200 200 200",
    "GET /signals/jobs/<job_id>": "302 404 404 200 404 404",
    "GET /static/<filename>": "200 200 200 200 200 200",
    "GET /summaries/": "200 200 200 200 200 200",
    "GET /summaries/<series_id>": "200 200 200 200 200 200",
    "GET /summaries/<series_id>/<edition>": "200 200 200 200 200 200",
    "GET /summaries/manage": "302 403 403 200 403 403",
    "GET /summaries/manage/<summary_id>": "302 404 404 200 404 404",
    "GET /summaries/manage/<summary_id>/discard": "302 404 404 200 404 404",
    "GET /summaries/manage/<summary_id>/edit": "302 404 404 200 404 404",
    "GET /summaries/manage/<summary_id>/publish": "302 404 404 200 404 404",
    "GET /summaries/manage/<summary_id>/withdraw": "302 404 404 200 404 404",
    "GET /summaries/manage/new": "302 403 403 200 403 403",
    "GET /suppliers/declarations": "302 403 403 403 200 403",
    "GET /suppliers/declarations/<set_id>": "302 403 403 403 404 403",
    "GET /suppliers/subscriptions": "302 403 403 403 200 403",
    "PATCH /api/v1/pledges/<pledge_id>": "401 422 422 422 422 422",
    "POST /admin/alliances/new": "302 403 403 403 403 200",
    "POST /admin/organisations/<organisation_id>/identifier": "302 403 403 403 403 302",
    "POST /admin/organisations/<organisation_id>/not_sme": "302 403 403 403 403 302",
    "POST /admin/organisations/<organisation_id>/sme": "302 403 403 403 403 302",
    "POST /admin/organisations/<organisation_id>/unverify": "302 403 403 403 403 302",
    "POST /admin/organisations/<organisation_id>/verify": "302 403 403 403 403 302",
    "POST /admin/users/<user_id>/disable": "302 403 403 403 403 302",
    "POST /admin/users/<user_id>/enable": "302 403 403 403 403 302",
    "POST /admin/users/<user_id>/grant_admin": "302 403 403 403 403 302",
    "POST /admin/users/<user_id>/revoke_admin": "302 403 403 403 403 302",
    "POST /alliances/<slug>/criteria/<set_id>/criteria/<criterion_id>": "302 403 403 200 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/criteria/<criterion_id>/delete": "302 403 403 302 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/criteria/<criterion_id>/move/down": "302 403 403 302 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/criteria/<criterion_id>/move/up": "302 403 403 302 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/criteria/new": "302 403 403 200 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/details": "302 403 403 302 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/discard": "302 403 403 302 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/publish": "302 403 403 302 403 403",
    "POST /alliances/<slug>/criteria/<set_id>/retire": "302 403 403 409 403 403",
    "POST /alliances/<slug>/criteria/new": "302 403 403 200 403 403",
    "POST /alliances/<slug>/join": "302 302 302 302 302 302",
    "POST /alliances/<slug>/leave": "302 302 302 302 302 302",
    "POST /alliances/<slug>/members/<membership_id>/lead": "302 403 403 302 403 403",
    "POST /alliances/<slug>/requests/<membership_id>/approve": "302 403 403 302 403 403",
    "POST /alliances/<slug>/requests/<membership_id>/decline": "302 403 403 302 403 403",
    "POST /alliances/<slug>/rounds/<round_id>/close": "302 403 403 302 403 403",
    "POST /alliances/<slug>/rounds/<round_id>/edit": "302 403 403 409 403 403",
    "POST /alliances/<slug>/rounds/<round_id>/open": "302 403 403 302 403 403",
    "POST /alliances/<slug>/rounds/<round_id>/statement/<edition>/discard": "302 404 404 400 404 404",
    "POST /alliances/<slug>/rounds/<round_id>/statement/<edition>/edit": "302 404 404 422 404 404",
    "POST /alliances/<slug>/rounds/<round_id>/statement/<edition>/publish": "302 404 404 400 404 404",
    "POST /alliances/<slug>/rounds/<round_id>/statement/<edition>/sign": "302 400 400 400 303 303",
    "POST /alliances/<slug>/rounds/<round_id>/statement/<edition>/unsign": "302 400 400 400 303 303",
    "POST /alliances/<slug>/rounds/<round_id>/statement/<edition>/withdraw": "302 404 404 400 404 404",
    "POST /alliances/<slug>/rounds/<round_id>/statement/new": "302 403 403 302 403 403",
    "POST /alliances/<slug>/rounds/new": "302 403 403 200 403 403",
    "POST /alliances/<slug>/settings": "302 403 403 200 403 403",
    "POST /alliances/<slug>/signals/<round_id>/compile": "302 403 403 302 403 403",
    "POST /api/v1/alliances/<slug>/pledges": "401 422 422 422 422 422",
    "POST /api/v1/alliances/<slug>/signals": "401 403 403 202 403 403",
    "POST /api/v1/auth/token": "422 422 422 422 422 422",
    "POST /api/v1/dialogues": "401 422 422 422 422 422",
    "POST /api/v1/dialogues/<dialogue_id>/posts": "401 422 422 422 422 422",
    "POST /auth/account": "302 200 200 200 200 200",
    "POST /auth/login": "200 302 302 302 302 302",
    "POST /auth/logout": "302 302 302 302 302 302",
    "POST /auth/register": "200 302 302 302 302 302",
    "POST /auth/reset": "200 200 200 200 200 200",
    "POST /auth/reset/<token>": "302 302 302 302 302 302",
    "POST /dialogues/<dialogue_id>/close": "302 403 403 302 403 403",
    "POST /dialogues/<dialogue_id>/posts": "302 422 422 422 422 422",
    "POST /dialogues/new": "302 403 403 200 403 403",
    "POST /language": "400 400 400 400 400 400",
    "POST /notifications/<notification_id>/read": "302 302 404 404 404 404",
    "POST /notifications/preferences": "302 302 302 302 302 302",
    "POST /notifications/read-all": "302 302 302 302 302 302",
    "POST /organisations/<organisation_id>/domain": "302 403 403 403 403 302",
    "POST /organisations/<organisation_id>/invitations": "302 404 302 404 404 302",
    "POST /organisations/<organisation_id>/invitations/<invitation_id>/revoke": "302 404 302 404 404 302",
    "POST /organisations/<organisation_id>/members/<user_id>/remove": "302 404 302 404 404 302",
    "POST /organisations/<organisation_id>/members/<user_id>/role": "302 404 400 404 404 400",
    "POST /organisations/<organisation_id>/requests/<request_id>": "302 404 400 404 404 400",
    "POST /organisations/invitation/<token>": "200 200 200 200 200 200",
    "POST /organisations/join": "302 302 302 302 302 302",
    "POST /organisations/new": "302 400 400 400 400 400",
    "POST /organisations/withdraw": "302 302 302 302 302 302",
    "POST /pledges/<pledge_id>": "302 302 404 403 404 404",
    "POST /pledges/<pledge_id>/reinstate": "302 302 404 403 404 404",
    "POST /pledges/<pledge_id>/submit": "302 302 404 403 404 404",
    "POST /pledges/<pledge_id>/withdraw": "302 302 404 403 404 404",
    "POST /pledges/rounds/<round_id>": "302 200 200 200 403 403",
    "POST /pledges/rounds/<round_id>/import": "302 200 200 200 403 403",
    "POST /settings/tokens": "302 200 200 200 200 200",
    "POST /settings/tokens/<token_id>/revoke": "302 302 302 302 302 302",
    "POST /signals/jobs/<job_id>/retry": "302 404 404 302 404 404",
    "POST /summaries/manage/<summary_id>/discard": "302 404 404 400 404 404",
    "POST /summaries/manage/<summary_id>/edit": "302 404 404 200 404 404",
    "POST /summaries/manage/<summary_id>/new-edition": "302 404 404 400 404 404",
    "POST /summaries/manage/<summary_id>/publish": "302 404 404 400 404 404",
    "POST /summaries/manage/<summary_id>/withdraw": "302 404 404 400 404 404",
    "POST /summaries/manage/new": "302 403 403 200 403 403",
    "POST /suppliers/declarations/<set_id>": "302 403 403 403 404 403",
    "POST /suppliers/subscriptions": "302 403 403 403 200 403",
    "POST /suppliers/subscriptions/<subscription_id>/delete": "302 403 403 403 302 403",
    "PUT /api/v1/suppliers/me/declarations": "401 422 422 422 422 422",
}

# Buyer A's and buyer B's pledges: figures found nowhere else in the world below.
VOLUMES = {
    "buyer_a": {"quantity": 4649, "value_minor": 58_312_900},
    "buyer_b": {"quantity": 5237, "value_minor": 69_173_300},
}
MAY_SEE_VOLUMES = {"buyer_a": {"buyer_a", "lead"}, "buyer_b": {"buyer_b", "lead"}}


def _rules() -> list[tuple[str, str, tuple]]:
    """(method, row name, (endpoint, any(...) values, id arguments)) for every route, one per value of each
    any(...) part. Built from an app of its own, at collection time."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    config.SQLALCHEMY_ENGINE_OPTIONS = {}  # an in-memory database has one connection, no pool to size
    config.SECRET_KEY = "matrix"
    app = create_app(config)
    rows = []
    for rule in app.url_map.iter_rules():
        variants = [({}, rule.rule)]
        for name, converter in rule._converters.items():
            items = getattr(converter, "items", None)
            if items:
                pattern = re.compile(r"<any\([^)]*\):" + name + ">")
                variants = [({**values, name: item}, pattern.sub(item, text)) for values, text in variants
                            for item in sorted(items)]
        for values, text in variants:
            text = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"<\1>", text)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                ids = [name for name in rule.arguments if name not in values]
                rows.append((method, f"{method} {text}", (rule.endpoint, values, ids)))
    return sorted(rows, key=lambda row: row[1])


ROUTES = _rules()


def test_every_route_has_an_expectation():
    missing = [name for _, name, _ in ROUTES if name not in EXPECTED]
    stale = sorted(set(EXPECTED) - {name for _, name, _ in ROUTES})
    assert not missing, (
        "These routes have no row in tests/test_access_matrix.py EXPECTED. Run "
        "`pytest tests/test_access_matrix.py -k matrix` to see each one's statuses (order: "
        + " ".join(ROLES) + "), check them, then add:\n" + "\n".join(f'    "{name}": "...",' for name in missing))
    assert not stale, f"EXPECTED has rows for routes that no longer exist: {stale}"


def _world(app) -> dict:
    """The alliance of make_pledging_round with one of everything, each owned by someone."""
    from alliance.dialogues import operations as dialogues
    from alliance.models import (
        CriteriaSet,
        Criterion,
        MailMessage,
        Membership,
        Notification,
        PendingJob,
        Pledge,
        Subscription,
        User,
    )
    from alliance.models.base import utcnow
    from alliance.settings.tokens import create_token
    from alliance.signals.snapshots import compile_signals
    from alliance.signals.triggers import compile_now

    world = make_pledging_round(app)
    world.admin = _email(app, make_user(app, is_admin=True))
    make_summary(app, world)  # a published one (its series is public)
    world.summary_id = make_summary(app, world, status="draft")
    with app.app_context():
        users = {role: db.session.scalar(sa.select(User).where(User.email == world[key]))
                 for role, key in (("buyer_a", "a"), ("buyer_b", "b"), ("lead", "lead"), ("supplier", "supplier"))}
        pledges = {}
        for role, volume in VOLUMES.items():
            criteria_set = db.session.get(CriteriaSet, world.sets["30213100-6/v2"])
            pledge = Pledge(round_id=world.round_id, organisation_id=users[role].organisation_id,
                            category_id=criteria_set.category_id, criteria_set_id=criteria_set.id, level="core",
                            currency="EUR", delivery_quarter="2027-Q3", country="SE", status="submitted", **volume)
            db.session.add(pledge)
            pledges[role] = pledge
        draft_set = db.session.get(CriteriaSet, world.sets["30213100-6/v3"])
        criterion = Criterion(criteria_set=draft_set, code="X1", title="Energy", text="Meets Energy Star.",
                              type="specification", level="core", source="EU GPP criteria for computers (2021)")
        db.session.add(criterion)
        alliance_id = world.alliance_id
        from alliance.models import Alliance

        alliance = db.session.get(Alliance, alliance_id)
        dialogue = dialogues.open_dialogue(users["lead"], alliance, "Laptop market dialogue", "Tell us.",
                                           utcnow() + timedelta(days=20), round_id=world.round_id)
        dialogues.add_post(users["supplier"], dialogue, "question", "Which labels count?")
        subscription = Subscription(user_id=users["supplier"].id, sector="ict")
        notification = Notification(user_id=users["buyer_a"].id, event_key="matrix", kind="round_opened",
                                    title="A round opened", url="/rounds/")
        message = MailMessage(recipient=world.a, subject="Welcome", body="Hello")
        token, _ = create_token(users["buyer_a"], "matrix")
        upload = PendingJob(job_id="import_pledges-" + "0" * 32, func="workers.pledges.import_pledges",
                            args=["0" * 32 + ".csv", world.round_id, users["buyer_a"].id])
        db.session.add_all([subscription, notification, message, upload])
        db.session.flush()
        world.values = _organisation_world(world, users)
        world.values.update(_statement_world(world, users))
        compile_signals(world.round_id)
        from alliance.queue import rq_job_id

        job = compile_now(world.round_id)
        db.session.commit()
        membership = db.session.scalar(sa.select(Membership).where(Membership.organisation_id == world.b_org))
        world.values.update({
            "slug": "ict", "round_id": world.round_id, "pledge_id": pledges["buyer_a"].id,
            "set_id": draft_set.id, "criteria_set_id": world.sets["30213100-6/v2"], "criterion_id": criterion.id,
            "summary_id": world.summary_id, "membership_id": membership.id, "dialogue_id": dialogue.id, "notification_id": notification.id,
            "subscription_id": subscription.id, "token_id": token.id, "job_id": rq_job_id(job),
            "pending_id": upload.id, "message_id": message.id, "token": "not-a-reset-token",
            "filename": "style.css",
        })
        from alliance.models import DemandSummary

        published = db.session.scalar(sa.select(DemandSummary).where(DemandSummary.status == "published"))
        world.values.update(series_id=published.series_id, edition=published.edition)
    return world


def _organisation_world(world: dict, users: dict) -> dict:
    """Buyers A and B each administer their organisation. The ids are organisation B's: its pending join
    request, its open invitation of another address, and a member of B besides buyer B; the confirmation link
    is an unconfirmed stranger's."""
    from alliance.auth.registration import make_confirm_token
    from alliance.models import Invitation, JoinRequest, Organisation, User
    from alliance.models.base import utcnow
    from alliance.settings.tokens import hash_token

    users["buyer_a"].organisation_role = users["buyer_b"].organisation_role = "admin"
    organisation_b = db.session.get(Organisation, world.b_org)
    colleague = User(email="colleague-of-b@example.test", name="B's colleague", password_hash="x",
                     organisation=organisation_b, organisation_role="member", email_confirmed_at=utcnow())
    applicant = User(email="applicant@example.test", name="Applicant", password_hash="x", email_confirmed_at=utcnow())
    stranger = User(email="stranger@example.test", name="Stranger", password_hash="x")
    db.session.add_all([colleague, applicant, stranger])
    db.session.flush()
    join_request = JoinRequest(user_id=applicant.id, organisation_id=organisation_b.id, message="Let me in")
    invitation = Invitation(organisation_id=organisation_b.id, email="invitee@example.test", role="admin",
                            token_hash=hash_token("invitation-of-b"), invited_by_id=users["buyer_b"].id,
                            expires_at=utcnow() + timedelta(days=7))
    db.session.add_all([join_request, invitation])
    db.session.flush()
    return {"organisation_id": organisation_b.id, "user_id": colleague.id, "request_id": join_request.id,
            "invitation_id": invitation.id, "invitation_token": "invitation-of-b",
            "confirm_token": make_confirm_token(stranger)}


def _statement_world(world: dict, users: dict) -> dict:
    """The round's joint statement: edition 1 published (every buyer of the alliance may sign it), edition 2
    the leads' draft (nobody else may see it)."""
    from datetime import date

    from alliance.models import JointStatement
    from alliance.models.base import utcnow

    published = JointStatement(round_id=world.round_id, edition=1, title="We will buy better laptops",
                               status="published", statement_date=date.today(), published_at=utcnow(),
                               created_by_id=users["lead"].id)
    draft = JointStatement(round_id=world.round_id, edition=2, title="Draft edition", status="draft",
                           created_by_id=users["lead"].id)
    db.session.add_all([published, draft])
    db.session.flush()
    return {"published_edition": published.edition, "draft_edition": draft.edition}


def _url_values(endpoint: str, fixed: dict, ids: list[str], values: dict) -> dict:
    """The world's value of each URL argument. A statement edition is the leads' draft, except where only a
    published edition makes sense (withdrawing, signing); the token is the one of the link's kind."""
    chosen = {key: values[key] for key in ids if key not in ("edition", "token")}
    if "edition" in ids:
        if not endpoint.startswith("statements."):
            chosen["edition"] = values["edition"]
        elif endpoint == "statements.signature" or fixed.get("action") == "withdraw":
            chosen["edition"] = values["published_edition"]
        else:
            chosen["edition"] = values["draft_edition"]
    if "token" in ids:
        chosen["token"] = {"organisations.invitation": values["invitation_token"],
                           "auth.confirm_email": values["confirm_token"]}.get(endpoint, values["token"])
    return chosen


def _email(app, user_id) -> str:
    from tests.factories import email_of

    return email_of(app, user_id)


def _clients(app, world) -> dict:
    """A logged-in test client per role, with its CSRF token and API token."""
    from tests.factories import api_token

    clients = {}
    for role in ROLES:
        client = app.test_client()
        email = {"buyer_a": world.a, "buyer_b": world.b, "lead": world.lead, "supplier": world.supplier,
                 "admin": world.admin}.get(role)
        if email:
            login(client, email)
            bearer = {"Authorization": f"Bearer {api_token(app.test_client(), email)}"}
            client.get("/api/v1/alliances", headers=bearer)  # the token's first use is recorded now, not mid-row
        else:
            bearer = {}
        clients[role] = (client, csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/account"), bearer)
    return clients


def _leaks(body: str, role: str) -> list[str]:
    """The pledge volumes in body that role may not see."""
    found = []
    for owner, volume in VOLUMES.items():
        if role in MAY_SEE_VOLUMES[owner]:
            continue
        quantity, units = str(volume["quantity"]), str(volume["value_minor"] // 100)
        for figure in (quantity, units):
            grouped = figure[:-3] + r"[,. \u00a0\u202f]?" + figure[-3:]
            if re.search(r"(?<![\w.,])" + grouped + r"(?![\w])", body):
                found.append(f"{owner}'s {figure}")
    return found


def _call(client, method: str, url: str, csrf: str, bearer: dict, fields: dict):
    if url.startswith("/api/"):
        body = {} if method in ("POST", "PUT", "PATCH") else None
        return client.open(url, method=method, json=body, headers=bearer)
    if method == "POST":
        return client.post(url, data={"csrf_token": csrf, **fields})
    return client.open(url, method=method)


class Matrix:
    """The world and a logged-in client per role, built once for the module and rebuilt only after a request
    changed what later requests would see (a table row or a Redis key): each role meets the same world."""

    def __init__(self, app):
        self.app = app
        self._build()

    def _build(self) -> None:
        empty_state(self.app)
        self.world = _world(self.app)
        self.clients = _clients(self.app, self.world)
        self.fingerprint = _fingerprint(self.app)

    def call(self, role: str, method: str, endpoint: str, fixed: dict, ids: list[str]):
        with self.app.test_request_context():
            url = url_for(endpoint, **fixed, **_url_values(endpoint, fixed, ids, self.world.values))
        return url, self.send(role, method, url)

    def send(self, role: str, method: str, url: str, fields: dict | None = None):
        """The role's request (with its CSRF token, and fields if given); the world is rebuilt if it changed."""
        client, csrf, bearer = self.clients[role]
        limiter.reset()  # each role's call is judged alone, not by the rate limits the others used up
        response = _call(client, method, url, csrf, bearer, fields or {})
        self.changed = _fingerprint(self.app) != self.fingerprint
        if self.changed:
            self._build()
        return response


def _fingerprint(app) -> str:
    """A digest of every table's rows and of Redis's keys (rate-limit counters are reset anyway)."""
    digest = hashlib.sha256()
    with app.app_context():
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                rows = sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
                digest.update(f"{table.name}:{rows}".encode())
        keys = sorted(key for key in get_redis(app).keys() if not key.startswith(b"LIMITS"))
        digest.update(repr(keys).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def matrix(app):
    built = Matrix(app)
    yield built
    empty_state(app)


@pytest.fixture(autouse=True)
def _clean_state():
    """Replaces conftest's: the module's world outlives each test; the `matrix` fixture empties it at the end."""
    yield


@pytest.mark.parametrize(("method", "name", "target"), ROUTES, ids=[name for _, name, _ in ROUTES])
def test_matrix(matrix, method, name, target):
    endpoint, fixed, ids = target
    statuses, leaks = [], []
    for role in ROLES:
        url, response = matrix.call(role, method, endpoint, fixed, ids)
        statuses.append(str(response.status_code))
        if response.mimetype and not response.mimetype.startswith(("application/vnd.", "image/")):
            leaks += [f"{role}: {leak}" for leak in _leaks(response.get_data().decode("utf-8", "replace"), role)]
    seen = " ".join(statuses)
    assert not leaks, f"{name} shows pledge volumes to the wrong role: {leaks}"
    assert name in EXPECTED, f'{name} ({url}) has no row; seen: "{name}": "{seen}",'
    assert seen == EXPECTED[name], f"{name} ({url}): expected {EXPECTED[name]}, got {seen} (roles: {' '.join(ROLES)})"


@pytest.mark.parametrize("path", ["requests/{request_id}", "members/{user_id}/role", "members/{user_id}/remove",
                                  "invitations/{invitation_id}/revoke"])
def test_an_organisation_admin_reaches_no_other_organisations_objects_under_their_own_id(matrix, path):
    """Buyer A administers organisation A: organisation B's join request, member and invitation, addressed
    under A's id with a complete form, are 404 and stay as they were."""
    url = f"/organisations/{matrix.world.a_org}/" + path.format(**matrix.world.values)
    response = matrix.send("buyer_a", "POST", url, {"decision": "approve", "role": "admin"})
    assert response.status_code == 404
    assert not matrix.changed


def test_operations_that_answer_anonymous_callers_401_declare_the_bearer_scheme(client):
    """The OpenAPI document says which operations need a token: exactly those the matrix finds answering 401."""
    spec = client.get("/api/v1/openapi.json").get_json()
    wrong = []
    for name, statuses in EXPECTED.items():
        method, path = name.split(" ", 1)
        if not path.startswith("/api/v1/") or path == "/api/v1/openapi.json":
            continue
        operation = spec["paths"][re.sub(r"<(\w+)>", r"{\1}", path)][method.lower()]
        needs_token = statuses.split()[ROLES.index("anonymous")] == "401"
        declared = operation.get("security") == [{"bearerAuth": []}]
        documented = "$ref" in str(operation["responses"].get("401", {}).get("content", {}))
        if needs_token != declared or (needs_token and not documented):
            wrong.append((name, operation.get("security"), operation["responses"].get("401")))
    assert wrong == []
