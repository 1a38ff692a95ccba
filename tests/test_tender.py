"""Tender text: a criteria set as clauses grouped by type, as Markdown and as a Word document."""

import io

from docx import Document

from alliance.extensions import db
from alliance.models import Criterion
from tests.factories import login, make_pledging_round


def _add_criteria(app, criteria_set_id):
    with app.app_context():
        db.session.add_all([
            Criterion(criteria_set_id=criteria_set_id, code="AW1", title="Energy efficiency", text="Points for ...",
                      type="award", level="comprehensive", position=3, source="TCO Certified, generation 9",
                      verification="TCO Certified certificate or equivalent."),
            Criterion(criteria_set_id=criteria_set_id, code="TS1", title="Spare parts", text="Spare parts for 3 years.",
                      type="specification", level="core", position=1, source="Upphandlingsmyndigheten",
                      source_section="criterion 11185", source_url="https://www.upphandlingsmyndigheten.se/x",
                      verification="Written assurance from the supplier."),
            Criterion(criteria_set_id=criteria_set_id, code="CL1", title="Take-back", text="The supplier takes ...",
                      type="clause", level="core", position=2, source="EU GPP criteria for computers (2021)"),
        ])
        db.session.commit()


def test_markdown_groups_clauses_by_type_with_verification_and_source(app, client):
    world = make_pledging_round(app)
    criteria_set_id = world.sets["30213100-6/v2"]
    _add_criteria(app, criteria_set_id)
    response = client.get(f"/criteria-sets/{criteria_set_id}/tender.md")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    text = response.get_data(as_text=True)
    specs, award, clauses = (text.index("## Technical specifications"), text.index("## Award criteria"),
                             text.index("## Contract performance clauses"))
    assert specs < text.index("### TS1 Spare parts") < award < text.index("### AW1") < clauses < text.index("### CL1")
    assert "## Selection criteria" not in text  # no criterion of that type
    # Each clause keeps its own verification as written; the equivalence rule is said once, for the document.
    assert "**Verification:** Written assurance from the supplier.\n" in text
    assert "**Verification:** TCO Certified certificate or equivalent.\n" in text
    assert text.count("equivalent labels and any other appropriate means of proof") == 1
    # CL1 has no verification: one marked line says so, and the document is a draft, never final.
    assert "> **Verification missing:**" in text.split("### CL1")[1]
    assert text.startswith("# Portable computers criteria v2 — tender clauses (DRAFT — not final)")
    assert "**DRAFT — not final: 1 clause below lacks" in text
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"  # one charset, not two
    assert "**Source:** Upphandlingsmyndigheten, criterion 11185 (https://www.upphandlingsmyndigheten.se/x)" in text


def test_docx_has_the_same_clauses(app, client):
    world = make_pledging_round(app)
    criteria_set_id = world.sets["30213100-6/v2"]
    _add_criteria(app, criteria_set_id)
    response = client.get(f"/criteria-sets/{criteria_set_id}/tender.docx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.docx"')
    document = Document(io.BytesIO(response.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Technical specifications", "TS1 Spare parts", "Award criteria", "AW1 Energy efficiency",
                        "Contract performance clauses", "CL1 Take-back"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Verification: Written assurance from the supplier.\n" in body
    assert "Verification missing: " in body and body.startswith("Portable computers criteria v2 — tender clauses "
                                                                   "(DRAFT — not final)")
    assert document.core_properties.keywords == "DRAFT — not final"


def test_draft_criteria_sets_only_for_the_alliances_leads(app, client):
    world = make_pledging_round(app)
    draft_id = world.sets["30213100-6/v3"]
    assert client.get(f"/criteria-sets/{draft_id}/tender.md").status_code == 404
    login(client, world.a)
    assert client.get(f"/criteria-sets/{draft_id}/tender.docx").status_code == 404
    client.get("/")
    client2 = app.test_client()
    login(client2, world.lead)
    response = client2.get(f"/criteria-sets/{draft_id}/tender.md")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert client.get("/criteria-sets/999999/tender.md").status_code == 404


def test_complete_set_is_not_marked_draft_and_never_says_final(app, client):
    world = make_pledging_round(app)
    criteria_set_id = world.sets["30231310-3/v1"]
    with app.app_context():
        db.session.add(Criterion(criteria_set_id=criteria_set_id, code="11185", title="Access to spare parts",
                                 text="Spare parts for three (3) years.", type="specification", level="core",
                                 source="Upphandlingsmyndigheten", verification="A written assurance."))
        db.session.commit()
    text = client.get(f"/criteria-sets/{criteria_set_id}/tender.md").get_data(as_text=True)
    assert "DRAFT" not in text and "final" not in text.lower() and "Verification missing" not in text
    assert "**Verification:** A written assurance.\n" in text


def test_missing_or_summarised_wording_is_one_marked_line_without_research_notes(app, client):
    world = make_pledging_round(app)
    criteria_set_id = world.sets["30231310-3/v1"]
    with app.app_context():
        db.session.add_all([
            Criterion(criteria_set_id=criteria_set_id, code="TS19", title="Minimum energy performance of monitors",
                      text="", wording="missing", type="specification", level="core",
                      source="European Commission, EU GPP criteria", source_section="TS19"),
            Criterion(criteria_set_id=criteria_set_id, code="11193", title="Lifetime of rechargeable battery",
                      text="Points for battery life over 500 cycles.", wording="translation", type="award",
                      level="comprehensive", source="Upphandlingsmyndigheten", verification="Test data."),
        ])
        db.session.commit()
    response = client.get(f"/criteria-sets/{criteria_set_id}/tender.md")
    text = response.get_data(as_text=True)
    missing = text.split("### TS19")[1].split("###")[0]
    assert missing.count("official wording is missing") == 1 and "> **Note:**" in missing
    assert "Translated from the source's language" in text.split("### 11193")[1]
    assert "(DRAFT — not final)" in text.splitlines()[0]
    for note in ("not retrieved", "could not be verified", "per group page", "not shown in the retrieved"):
        assert note not in text


def test_shipped_libraries_carry_no_research_notes_in_clause_text():
    from alliance.reference.loader import reference_library

    for library in reference_library().values():
        for criterion in library.criteria:
            clause_text = " ".join((criterion.fields["text"], criterion.fields["verification"])).lower()
            for note in ("not retrieved", "could not be", "per group page", "retrieved text", "not shown"):
                assert note not in clause_text, (library.key, criterion.code)


def test_criteria_set_page_links_its_tender_exports(app, client):
    world = make_pledging_round(app)
    criteria_set_id = world.sets["30213100-6/v2"]
    html = client.get(f"/alliances/ict/criteria/{criteria_set_id}").get_data(as_text=True)
    assert f'href="/criteria-sets/{criteria_set_id}/tender.md"' in html
    assert f'href="/criteria-sets/{criteria_set_id}/tender.docx"' in html
