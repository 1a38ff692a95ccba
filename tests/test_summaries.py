"""Demand summaries: drafting and publishing by leads, editions, withdrawal, and the public pages."""

import re

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import AuditEvent, DemandSummary, Dialogue, PendingJob, Post
from alliance.models.base import utcnow
from tests.factories import (
    SUPPRESSED_FIGURES,
    add_criterion,
    csrf_token,
    login,
    make_pledging_round,
    make_summary,
    make_summary_snapshot,
)


def _summary(app, summary_id) -> DemandSummary:
    with app.app_context():
        summary = db.session.get(DemandSummary, summary_id)
        db.session.expunge(summary)
        return summary


def _post_action(client, summary_id, action, version):
    token = csrf_token(client, f"/summaries/manage/{summary_id}")
    return client.post(f"/summaries/manage/{summary_id}/{action}", data={"csrf_token": token, "version": version})


def test_lead_drafts_previews_and_publishes(app, client):
    world = make_pledging_round(app)
    snapshot_id = make_summary_snapshot(app, world.round_id)
    login(client, world.lead)
    page = client.get(f"/summaries/manage/new?snapshot={snapshot_id}")
    assert page.status_code == 200 and "Portable computers" in page.get_data(as_text=True)
    token = csrf_token(client, "/summaries/manage/new")
    response = client.post("/summaries/manage/new", data={
        "csrf_token": token, "snapshot_id": snapshot_id, "title": "ICT demand 2027",
        "narrative": "We buy <script>alert(1)</script>**laptops**.", "views": ["quarter", "country"],
        "categories": ["30213100-6"], "criteria_sets": [world.sets["30213100-6/v2"]],
    })
    assert response.status_code == 302
    with app.app_context():
        summary = db.session.scalar(sa.select(DemandSummary))
        summary_id, series_id = summary.id, summary.series_id
        assert summary.status == "draft" and "<script>" not in summary.narrative
        assert summary.views["categories"] == ["30213100-6"] and summary.views["countries"] == ["DK", "SE"]
    assert client.get(f"/summaries/{series_id}").status_code == 404  # a draft is not public
    assert _post_action(client, summary_id, "publish", 1).status_code == 302
    with app.app_context():
        summary = db.session.get(DemandSummary, summary_id)
        assert summary.status == "published" and summary.published_at is not None
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == summary_id,
                                                                    AuditEvent.action == "summary.published"))
        assert db.session.scalar(sa.select(PendingJob.func).where(
            PendingJob.job_id == f"notify_summary_published-{summary_id}")) == "workers.notifications.summary_published"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/summaries/")})
    html = client.get(f"/summaries/{series_id}").get_data(as_text=True)
    assert "<title>ICT demand 2027" in html and '<meta name="description"' in html
    assert "<strong>laptops</strong>" in html and "<script>alert" not in html
    assert "Flat panel displays" not in html  # the category left out of the summary


def test_public_page_shows_only_safe_figures(app, client):
    world = make_pledging_round(app)
    add_criterion(app, world.sets["30213100-6/v2"], "TS1", title="Spare parts", source="Upphandlingsmyndigheten",
                  source_url="https://www.upphandlingsmyndigheten.se/x")
    summary = _summary(app, make_summary(app, world))
    response = client.get(f"/summaries/{summary.series_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "fewer than 30 buyers" in html and "one buyer holds more than 80% of the volume" in html
    assert "12,000" in html and "9,600,000.00 EUR" in html
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    assert "fewer than 30 buyers" in cells and "0" not in cells
    for figures in SUPPRESSED_FIGURES.values():
        for value in figures.values():
            hidden = {str(value), f"{value:,}", f"{value / 100:,.2f} EUR"}
            assert not hidden & set(cells), value
            assert f"{value:,}" not in html if value > 1000 else True
    assert "Criteria 30213100-6" not in html and "Portable computers criteria v2" in html
    # charts of the chosen views, from the public figures: a suppressed bar is a labelled gap
    charts = re.findall(r"<svg[^>]*role=\"img\".*?</svg>", html, re.S)
    assert charts and len(charts) % 3 == 0 and all("<title" in chart for chart in charts)  # 3 views a category
    assert any("fewer than 30 buyers" in chart for chart in charts)
    for figures in SUPPRESSED_FIGURES.values():
        for value in figures.values():
            assert not any(re.search(rf"(?<![\d,]){value}(?![\d,])", chart) for chart in charts), value
    assert "TS1 Spare parts" in html and "Technical specification" in html
    assert '<a href="https://www.upphandlingsmyndigheten.se/x" rel="noopener noreferrer">Upphandlingsmyndigheten</a>' in html


def test_only_the_alliances_leads_may_draft_and_publish(app, client):
    world = make_pledging_round(app)
    other = make_pledging_round(app, slug="health")
    draft_id = make_summary(app, world, status="draft")
    snapshot_id = make_summary_snapshot(app, world.round_id)
    # a lead of another alliance may draft summaries (of its own rounds: none compiled yet, so back to its list)
    for email, drafting in ((world.a, 403), (world.supplier, 403), (other["lead"], 302)):
        login(client, email)
        assert client.get(f"/summaries/manage/{draft_id}").status_code == 404, email
        assert client.get(f"/summaries/manage/new?snapshot={snapshot_id}").status_code == drafting, email
        token = csrf_token(client, "/auth/account")
        assert client.post(f"/summaries/manage/{draft_id}/publish",
                           data={"csrf_token": token, "version": 1}).status_code == 404, email
        client.post("/auth/logout", data={"csrf_token": token})
    assert client.get(f"/summaries/manage/{draft_id}").status_code == 302  # anonymous: log in first
    with app.app_context():
        assert db.session.get(DemandSummary, draft_id).status == "draft"


def test_stale_edit_is_refused_with_a_clear_message(app, client):
    world = make_pledging_round(app)
    draft_id = make_summary(app, world, status="draft")
    login(client, world.lead)
    token = csrf_token(client, f"/summaries/manage/{draft_id}/edit")
    fields = {"csrf_token": token, "title": "First change", "categories": ["30213100-6"], "version": "1"}
    assert client.post(f"/summaries/manage/{draft_id}/edit", data=fields).status_code == 302
    stale = client.post(f"/summaries/manage/{draft_id}/edit", data={**fields, "title": "Second, from an old page"})
    assert stale.status_code == 409
    assert "Someone changed this draft meanwhile" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DemandSummary, draft_id).title == "First change"


def test_bad_draft_input_gets_messages_and_stores_nothing(app, client):
    world = make_pledging_round(app)
    snapshot_id = make_summary_snapshot(app, world.round_id)
    login(client, world.lead)
    token = csrf_token(client, "/summaries/manage/new")
    response = client.post("/summaries/manage/new", data={
        "csrf_token": token, "snapshot_id": snapshot_id, "title": "", "categories": ["99999999-9"],
        "criteria_sets": [world.sets["30213100-6/v3"]],
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Give the summary a title." in html
    assert "is not a valid choice" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DemandSummary)) == 0


def test_published_edition_never_changes_and_new_edition_supersedes_it(app, client):
    world = make_pledging_round(app)
    first = _summary(app, make_summary(app, world))
    login(client, world.lead)
    refused = client.post(f"/summaries/manage/{first.id}/edit", data={
        "csrf_token": csrf_token(client, f"/summaries/manage/{first.id}"), "title": "Changed", "version": "2"})
    assert refused.status_code == 302
    assert _post_action(client, first.id, "new-edition", first.version).status_code == 302
    with app.app_context():
        second = db.session.scalar(sa.select(DemandSummary).where(DemandSummary.edition == 2))
        second_id, second_version = second.id, second.version
        assert second.series_id == first.series_id and second.status == "draft"
    assert _post_action(client, first.id, "new-edition", first.version).status_code == 302  # refused: one draft
    assert _post_action(client, second_id, "publish", second_version).status_code == 302
    with app.app_context():
        assert db.session.get(DemandSummary, first.id).status == "superseded"
        assert db.session.get(DemandSummary, first.id).title == "ICT demand 2027"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DemandSummary)) == 2
    current = client.get(f"/summaries/{first.series_id}").get_data(as_text=True)
    assert "Edition 2, the current one" in current
    old = client.get(f"/summaries/{first.series_id}/1").get_data(as_text=True)
    assert "superseded" in old and f'href="/summaries/{first.series_id}">edition 2' in old
    listing = client.get("/summaries/").get_data(as_text=True)
    assert listing.count(f"/summaries/{first.series_id}") == 1


def test_withdrawn_summary_leaves_the_list_and_its_address_says_so(app, client):
    world = make_pledging_round(app)
    summary = _summary(app, make_summary(app, world))
    assert summary.series_id in client.get("/summaries/").get_data(as_text=True)
    login(client, world.lead)
    assert _post_action(client, summary.id, "withdraw", summary.version).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/summaries/")})
    assert summary.series_id not in client.get("/summaries/").get_data(as_text=True)
    gone = client.get(f"/summaries/{summary.series_id}")
    assert gone.status_code == 410
    html = gone.get_data(as_text=True)
    assert "withdrew this demand summary" in html and "12,000" not in html
    assert client.get(f"/summaries/{summary.series_id}/1").status_code == 410
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "summary.withdrawn"))


def test_list_filters(app, client):
    world = make_pledging_round(app)
    summary = _summary(app, make_summary(app, world))
    found = lambda query: summary.series_id in client.get(f"/summaries/?{query}").get_data(as_text=True)  # noqa: E731
    assert found("sector=ict") and not found("sector=health")
    assert found("cpv=302") and found("cpv=30213100") and not found("cpv=331")
    assert found("country=se") and not found("country=FR")
    assert found("quarter_from=2028-Q1") and not found("quarter_from=2029-Q1")
    assert found("quarter_to=2027-Q1") and not found("quarter_to=2026-Q4")
    bad = client.get("/summaries/?cpv=abc&quarter_from=soon")
    assert bad.status_code == 200 and "Use the digits of a CPV code" in bad.get_data(as_text=True)
    assert "Write a quarter as YYYY-Qn" in bad.get_data(as_text=True)


def test_public_questions_and_answers_are_anonymous(app, client):
    world = make_pledging_round(app)
    summary = _summary(app, make_summary(app, world))
    with app.app_context():
        dialogue = Dialogue(alliance_id=world.alliance_id, summary_id=summary.id, title="Questions",
                            closes_at=utcnow())
        db.session.add(dialogue)
        db.session.flush()
        question = Post(dialogue_id=dialogue.id, kind="question", body="Is refurbished equipment welcome?",
                        organisation_id=world.supplier_org)
        db.session.add(question)
        db.session.flush()
        db.session.add_all([
            Post(dialogue_id=dialogue.id, parent_id=question.id, kind="answer", body="Yes, it is welcome."),
            Post(dialogue_id=dialogue.id, kind="response", visibility="leads", body="Our secret price list."),
        ])
        db.session.commit()
        supplier_name = db.session.get(type(question.dialogue.alliance), world.alliance_id).name
    html = client.get(f"/summaries/{summary.series_id}").get_data(as_text=True)
    assert "Is refurbished equipment welcome?" in html and "Yes, it is welcome." in html
    assert "Our secret price list." not in html
    assert "Supplier org" not in html and supplier_name
