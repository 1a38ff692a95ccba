"""Stored codes (statuses, criteria levels, sectors, types, readiness) are shown in the reader's language, while
the database and the API keep the codes."""

import re

from alliance.extensions import db
from alliance.language.labels import LABELS
from alliance.models import (
    BUYER_TYPES,
    CRITERION_TYPES,
    LEVELS,
    READINESS,
    SECTORS,
    SUPPLIER_TYPES,
    CriteriaSet,
    DemandRound,
    DemandSummary,
    JointStatement,
    Pledge,
)
from alliance.reference.criterion_rules import WORDINGS
from tests.factories import api_token, csrf_token, login, make_pledging_round, make_summary, pledge_fields

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


def _statuses(model) -> set[str]:
    """The statuses a model's check constraint allows."""
    for constraint in model.__table__.constraints:
        found = re.search(r"status IN \(([^)]*)\)", str(getattr(constraint, "sqltext", "")))
        if found:
            return set(re.findall(r"'(\w+)'", found.group(1)))
    raise AssertionError(f"{model.__name__} has no status constraint")


def test_every_stored_code_has_a_label():
    assert set(LABELS["level"]) == set(LEVELS)
    assert set(LABELS["sector"]) == set(SECTORS)
    assert set(LABELS["criterion_type"]) == set(CRITERION_TYPES)
    assert set(LABELS["organisation_type"]) == set(BUYER_TYPES) | set(SUPPLIER_TYPES)
    assert set(LABELS["readiness"]) == set(READINESS)
    assert set(LABELS["wording"]) == set(WORDINGS)
    shown = set().union(*(_statuses(model) for model in (Pledge, DemandRound, CriteriaSet, DemandSummary, JointStatement)))
    assert shown <= set(LABELS["status"]), shown - set(LABELS["status"])


def test_a_french_buyer_reads_statuses_and_choices_in_french_and_the_api_keeps_the_codes(app, client):
    world = make_pledging_round(app)
    login(client, world.a)
    path = f"/pledges/rounds/{world.round_id}"
    client.post(path, data={"csrf_token": csrf_token(client, path), **pledge_fields(level="comprehensive")},
                headers=FRENCH)

    french = client.get(path, headers=FRENCH).get_data(as_text=True)
    assert "(ouvert)" in french and "(open)" not in french  # the round's status
    assert ">Essentiel</option>" in french and ">Complet</option>" in french  # the level choices
    assert "v2, Complet" in french and "brouillon" in french  # the draft pledge in the list
    assert "TIC" in client.get("/alliances/ict", headers=FRENCH).get_data(as_text=True)  # the sector

    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "(open)" in english and ">Core</option>" in english and "v2, Comprehensive" in english

    token = api_token(client, world.a)
    pledges = client.get("/api/v1/alliances/ict/pledges", headers={"Authorization": f"Bearer {token}", **FRENCH})
    assert [(p["level"], p["status"]) for p in pledges.get_json()] == [("comprehensive", "draft")]


def test_a_refusal_about_a_state_is_one_sentence_in_the_readers_language(app, client):
    world = make_pledging_round(app)
    login(client, world.lead)
    response = client.get(f"/alliances/ict/rounds/{world.round_id}/edit", headers=FRENCH)
    assert response.status_code == 409
    assert "Cette campagne est ouverte\u00a0; seule une campagne en brouillon peut être modifiée." in \
        response.get_data(as_text=True)


def test_the_dashboard_names_levels_and_breakdowns_in_the_readers_language(app, client):
    from tests.test_signals import compile_round, market

    world = market(app)
    compile_round(app, world.round_id)
    login(client, world.lead)
    french = client.get("/alliances/ict/signals", headers=FRENCH).get_data(as_text=True)
    assert "Par niveau des critères" in french and '<th scope="row">Essentiel</th>' in french
    assert '<th scope="row">core</th>' not in french
    assert "(ouvert)" in french or '<span class="badge">ouvert</span>' in french


def test_a_withdrawn_summary_says_it_is_withdrawn_not_published(app, client):
    from tests.factories import make_summary

    world = make_pledging_round(app)
    summary_id = make_summary(app, world, status="withdrawn")
    login(client, world.lead)
    page = client.get(f"/summaries/manage/{summary_id}/edit", headers=FRENCH, follow_redirects=True)
    assert "Cette édition est retirée et ne change jamais." in page.get_data(as_text=True)
    english = client.get(f"/summaries/manage/{summary_id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "This edition is withdrawn and never changes." in english and "is published" not in english


def test_a_french_reader_gets_a_summarys_tables_in_french_and_its_csv_stays_english(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    with app.app_context():
        series_id = db.session.get(DemandSummary, summary_id).series_id
    html = client.get(f"/summaries/{series_id}", headers=FRENCH).get_data(as_text=True)
    assert "Demande par pays" in html and "Demand per country" not in html
    assert "Quantité engagée par pays" in html  # the charts' captions too
    assert "Danemark" in html and "Denmark" not in html  # countries named in the reader's language
    assert "Niveau d&#39;ambition" in html or "Niveau d'ambition" in html
    csv = client.get(f"/api/v1/summaries/{summary_id}.csv", headers=FRENCH).get_data(as_text=True)
    assert "DK" in csv or "Denmark" in csv  # exports keep their plain, machine-readable form
    assert "Danemark" not in csv


def test_every_compile_step_a_lead_watches_has_a_label():
    """The job page words the compile's progress messages through LABELS["compile_step"]: a new step without a
    label would show in English."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sources = (root / "alliance/signals/snapshots.py").read_text() + (root / "workers/signals.py").read_text()
    steps = set(re.findall(r'(?:step|report_progress)\([\d.]+, "([^"]+)"\)', sources))
    assert steps and steps <= set(LABELS["compile_step"])
