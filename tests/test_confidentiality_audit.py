"""Confidentiality audit: one buyer's volumes reach nobody but its organisation and the alliance's leads.

A world with real pledges, a compiled snapshot, a published summary, a dialogue with an RFI response,
notifications and mail is built through the domain code. Buyer A pledges figures that only A can be the
source of (a cell of its own); then every GET route of the app and of the API is requested as each role
(another buyer of the alliance, a buyer of another alliance, a supplier, anonymous, a lead of another
alliance, a platform admin) with the ids of the world in its URL, and no answer may contain A's figures.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import (
    Alliance,
    Criterion,
    DemandRound,
    Dialogue,
    MailMessage,
    Notification,
    PendingJob,
    Pledge,
    Post,
    User,
)
from alliance.models.base import utcnow
from tests.conftest import empty_state, run_jobs
from tests.factories import (
    PledgingRound,
    add_member,
    api_token,
    email_of,
    login,
    make_alliance,
    make_open_round,
    make_organisation,
    make_pledging_round,
    make_published_criteria,
    make_submitted_pledge,
    make_user,
)

# Buyer A's own figures: a comprehensive pledge in DK, alone in its cells.
A_QUANTITY, A_VALUE_MINOR, IMPACT_FACTOR = 7919, 444412300, 2.5
SECRETS = ("7919", "7,919", "7 919", "4444123", "4,444,123", "444412300", "19797", "19,797")
RFI_SECRET = "Our confidential price list 0xC0FFEE"


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def build_world(app, run_worker) -> PledgingRound:
    world = make_pledging_round(app)
    laptops_v2 = world.sets["30213100-6/v2"]
    with app.app_context():
        db.session.add(Criterion(criteria_set_id=laptops_v2, code="EN1", title="Energy", text="TEC below limit.",
                                 type="specification", level="comprehensive", position=1, source="EU GPP (test)",
                                 impact_factor=IMPACT_FACTOR, impact_unit="kWh per unit",
                                 impact_source="A cited study"))
        db.session.commit()
    for name in ("c", "d"):
        org = make_organisation(app, name=f"{name.upper()} buyer org")
        add_member(app, world.alliance_id, org)
        setattr(world, f"{name}_org", org)
    others = [(world.b_org, 1000), (world.c_org, 1100), (world.d_org, 1200)]
    with app.app_context():
        for org, quantity in others:
            db.session.add(Pledge(round_id=world.round_id, organisation_id=org, category_id=world.laptops_id,
                                  criteria_set_id=laptops_v2, level="core", quantity=quantity,
                                  value_minor=quantity * 90000, currency="EUR", delivery_quarter="2027-Q1",
                                  country="SE", status="submitted"))
        mine = Pledge(round_id=world.round_id, organisation_id=world.a_org, category_id=world.laptops_id,
                      criteria_set_id=laptops_v2, level="comprehensive", quantity=A_QUANTITY,
                      value_minor=A_VALUE_MINOR, currency="EUR", delivery_quarter="2027-Q2", country="DK",
                      status="submitted")
        db.session.add(mine)
        db.session.commit()
        world.pledge_id = mine.id

    # Another alliance with its own lead, round, pledge and criteria.
    health_id = make_alliance(app, slug="health", sector="health")
    other_lead_org = make_organisation(app, name="Health lead org")
    add_member(app, health_id, other_lead_org, role="lead")
    world.other_lead = email_of(app, make_user(app, other_lead_org))
    health_set, health_criteria = make_published_criteria(app, health_id, cpv_code="33141420-0")
    world.health_round = make_open_round(app, health_id)
    world.health_set, world.health_criterion = health_set, health_criteria[0]
    world.health_pledge = make_submitted_pledge(app, world.health_round, other_lead_org, health_set)
    world.admin = email_of(app, make_user(app, is_admin=True))
    world.supplier2 = email_of(app, make_user(app, kind="supplier"))

    from alliance.dialogues import operations as dialogues
    from alliance.pledges.import_routes import IMPORT_FUNC
    from alliance.queue import commit_and_dispatch, rq_job_id
    from alliance.signals.triggers import compile_now
    from alliance.summaries import operations as summaries

    with app.app_context():
        lead, supplier = _user(world.lead), _user(world.supplier)
        pending = compile_now(world.round_id)
        importing = PendingJob(job_id="import_pledges-audit", func=IMPORT_FUNC,
                               args=["audit.csv", world.round_id, _user(world.a).id])
        db.session.add(importing)
        commit_and_dispatch()
        world.job_id, world.import_id = rq_job_id(pending), importing.id
    run_worker()
    with app.app_context():
        lead, supplier = _user(world.lead), _user(world.supplier)
        from alliance.signals.snapshots import latest_snapshot

        snapshot = latest_snapshot(world.round_id)
        assert snapshot is not None and A_QUANTITY in [r["quantity"] for r in snapshot.lead_data["by_country"]]
        summary = summaries.create_draft(lead, snapshot.id, summaries.SummaryFields(
            title="ICT demand 2027", narrative="We **will** buy laptops.",
            views=["quarter", "country", "level", "readiness", "impact"], criteria_set_ids=[laptops_v2]))
        summaries.publish(lead, summary.id, summary.version)
        draft = summaries.new_edition(lead, summary.id)
        dialogue = dialogues.open_dialogue(lead, db.session.get(Alliance, world.alliance_id), "Laptops 2027", "We plan **laptops**.", utcnow() + timedelta(days=9),
                                           round_id=world.round_id, rfi_questions=["What take-back do you offer?"])
        rfi = db.session.scalar(sa.select(Post).where(Post.dialogue_id == dialogue.id, Post.kind == "rfi"))
        dialogues.add_post(supplier, dialogue, "response", RFI_SECRET, parent_id=rfi.id)
        question = dialogues.add_post(supplier, dialogue, "question", "Which warranty?")
        dialogues.add_post(lead, dialogue, "answer", "Five years.", parent_id=question.id)
        commit_and_dispatch()
        world.summary_id, world.series_id, world.draft_id = summary.id, summary.series_id, draft.id
        world.snapshot_id, world.dialogue_id = snapshot.id, dialogue.id
    run_worker()
    with app.app_context():
        world.notification_ids = list(db.session.scalars(sa.select(Notification.id)))
        world.mail_ids = list(db.session.scalars(sa.select(MailMessage.id)))
        world.criterion_ids = list(db.session.scalars(
            sa.select(Criterion.id).where(Criterion.criteria_set_id == laptops_v2)))
    return world


# "supplier2" did not write the RFI response; world.supplier did and may read it.
ROLES = ("b", "outsider", "supplier2", "other_lead", "admin", "anonymous")


def _values(world: dict) -> dict[str, list]:
    """Values to put in each URL argument: the ids of this world and of the other alliance."""
    return {
        "slug": ["ict", "health"], "round_id": [world.round_id, world.health_round],
        "pledge_id": [world.pledge_id, world.health_pledge], "pending_id": [world.import_id],
        "set_id": [world.sets["30213100-6/v2"], world.health_set],
        "criteria_set_id": [world.sets["30213100-6/v2"], world.health_set],
        "criterion_id": world.criterion_ids[:1] + [world.health_criterion],
        "summary_id": [world.summary_id, world.draft_id], "series_id": [world.series_id],
        "edition": [1, 2], "dialogue_id": [world.dialogue_id], "job_id": [world.job_id],
        "message_id": world.mail_ids[:3] or [1], "notification_id": world.notification_ids[:3] or [1],
    }


def _get_urls(app, world: dict) -> list[str]:
    from itertools import product

    from flask import url_for

    values = _values(world)
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            args = sorted(rule.arguments)
            if any(arg not in values for arg in args):
                continue
            for combination in product(*(values[arg] for arg in args)):
                urls.append(url_for(rule.endpoint, **dict(zip(args, combination, strict=True))))
    urls += [f"/api/v1/alliances/ict/signals/latest?round_id={world.round_id}",
             f"/alliances/ict/signals?round={world.round_id}", "/api/v1/summaries?page=1",
             f"/api/v1/dialogues/{world.dialogue_id}/posts"]
    return sorted(set(urls))


def _leaks(text: str) -> list[str]:
    # RFI responses are commercial information for the alliance's leads alone, platform admins included.
    # A figure counts only as a whole token: random tokens, hashes and timestamps may contain its digits.
    return [secret for secret in (*SECRETS, RFI_SECRET)
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text)]


# The module's tests run on one worker, in file order: the world below is built once for all that read it.
pytestmark = pytest.mark.xdist_group("confidentiality_world")


@pytest.fixture(scope="module")
def world(app):
    """Built once for the module (a compile with a real worker, a summary, a dialogue): the tests that use it
    only read and log in, which changes no figure they look for."""
    built = build_world(app, lambda: run_jobs(app))
    yield built
    empty_state(app)


@pytest.fixture(autouse=True)
def _clean_state():
    """Replaces conftest's: every test here reads the module's world, which outlives each of them (the `world`
    fixture empties the database when the module is done)."""
    yield


def test_owner_and_lead_do_see_the_figures(app, world):
    """The positive control: the figures the crawl looks for are on the owner's and the lead's pages."""
    for role, path in (("a", f"/pledges/{world.pledge_id}"), ("lead", f"/pledges/rounds/{world.round_id}/all"),
                       ("lead", f"/alliances/ict/signals?round={world.round_id}")):
        client = app.test_client()
        login(client, world[role])
        assert _leaks(client.get(path).get_data(as_text=True)), (role, path)
    client = app.test_client()
    login(client, world.lead)
    assert RFI_SECRET in client.get(f"/dialogues/{world.dialogue_id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_shows_one_buyers_figures_to_anyone_else(app, world, role):
    client = app.test_client()
    headers = {}
    if role != "anonymous":
        login(client, world[role])
        headers = {"Authorization": f"Bearer {api_token(app.test_client(), world[role])}"}
    problems = []
    urls = _get_urls(app, world)
    assert len(urls) > 60
    for url in urls:
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        body = response.get_data(as_text=not url.endswith((".xlsx", ".docx")))
        if isinstance(body, bytes):
            import io
            import zipfile

            try:
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    body = " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
            except zipfile.BadZipFile:
                body = body.decode("utf-8", "replace")
        body += " ".join(f"{name}: {value}" for name, value in response.headers.items())
        if response.status_code >= 500:
            problems.append((url, response.status_code))
        if leaked := _leaks(body):
            problems.append((url, response.status_code, leaked))
    assert problems == []


def test_api_ignores_the_session_cookie(app, world):
    client = app.test_client()
    login(client, world.a)
    assert client.get("/pledges/").status_code == 200
    for url in ("/api/v1/alliances/ict/pledges", f"/api/v1/pledges/{world.pledge_id}",
                "/api/v1/suppliers/me/declarations"):
        response = client.get(url)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized", url
    response = client.patch(f"/api/v1/pledges/{world.pledge_id}", json={"version": 1, "quantity": 1})
    assert response.status_code == 401
    with app.app_context():
        assert db.session.get(Pledge, world.pledge_id).quantity == A_QUANTITY


def test_admin_is_not_a_lead(app, world):
    """A platform admin verifies organisations; it does not read pledges (DESIGN.md: the org and its leads)."""
    client = app.test_client()
    login(client, world.admin)
    assert client.get(f"/pledges/{world.pledge_id}").status_code == 404
    assert client.get(f"/pledges/rounds/{world.round_id}/all").status_code == 403  # the open round is public
    token = api_token(app.test_client(), world.admin)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/pledges/{world.pledge_id}", headers=auth).status_code == 404
    listing = client.get("/api/v1/alliances/ict/pledges", headers=auth)
    assert listing.status_code == 200 and listing.get_json() == []


def test_pledge_ids_answer_alike_for_missing_and_foreign(app, world):
    """No IDOR oracle: another buyer gets the same answer for A's pledge as for a pledge that does not exist."""
    client = app.test_client()
    login(client, world.b)
    auth = {"Authorization": f"Bearer {api_token(app.test_client(), world.b)}"}
    for path in ("/pledges/{}", "/api/v1/pledges/{}"):
        headers = auth if path.startswith("/api/") else {}
        foreign = client.get(path.format(world.pledge_id), headers=headers)
        missing = client.get(path.format(999999), headers=headers)
        assert foreign.status_code == missing.status_code == 404
        if path.startswith("/api/"):
            assert foreign.get_json()["error"]["code"] == missing.get_json()["error"]["code"]
            assert foreign.get_json()["error"]["message"].replace(str(world.pledge_id), "N") == \
                missing.get_json()["error"]["message"].replace("999999", "N")
    for method, url in (("patch", f"/api/v1/pledges/{world.pledge_id}"),
                        ("delete", f"/api/v1/pledges/{world.pledge_id}")):
        response = getattr(client, method)(url, json={"version": 1, "quantity": 5}, headers=auth)
        assert response.status_code == 404, (method, response.get_json())
    with app.app_context():
        pledge = db.session.get(Pledge, world.pledge_id)
        assert (pledge.quantity, pledge.status) == (A_QUANTITY, "submitted")
        assert db.session.get(DemandRound, world.round_id).status == "open"
        assert db.session.scalar(sa.select(Dialogue.status)) == "open"
