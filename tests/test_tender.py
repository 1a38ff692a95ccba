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
    criteria_set_id = world["sets"]["30213100-6/v2"]
    _add_criteria(app, criteria_set_id)
    response = client.get(f"/criteria-sets/{criteria_set_id}/tender.md")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    text = response.get_data(as_text=True)
    specs, award, clauses = (text.index("## Technical specifications"), text.index("## Award criteria"),
                             text.index("## Contract performance clauses"))
    assert specs < text.index("### TS1 Spare parts") < award < text.index("### AW1") < clauses < text.index("### CL1")
    assert "## Selection criteria" not in text  # no criterion of that type
    # A verification that names one proof gets "or equivalent" wording; one that has it is kept as written.
    assert "Written assurance from the supplier. Any other appropriate means of proof" in text
    assert "**Verification:** TCO Certified certificate or equivalent.\n" in text
    assert "**Source:** Upphandlingsmyndigheten, criterion 11185 (https://www.upphandlingsmyndigheten.se/x)" in text


def test_docx_has_the_same_clauses(app, client):
    world = make_pledging_round(app)
    criteria_set_id = world["sets"]["30213100-6/v2"]
    _add_criteria(app, criteria_set_id)
    response = client.get(f"/criteria-sets/{criteria_set_id}/tender.docx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.docx"')
    document = Document(io.BytesIO(response.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Technical specifications", "TS1 Spare parts", "Award criteria", "AW1 Energy efficiency",
                        "Contract performance clauses", "CL1 Take-back"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Verification: Written assurance from the supplier. Any other appropriate means of proof" in body


def test_draft_criteria_sets_only_for_the_alliances_leads(app, client):
    world = make_pledging_round(app)
    draft_id = world["sets"]["30213100-6/v3"]
    assert client.get(f"/criteria-sets/{draft_id}/tender.md").status_code == 404
    login(client, world["a"])
    assert client.get(f"/criteria-sets/{draft_id}/tender.docx").status_code == 404
    client.get("/")
    client2 = app.test_client()
    login(client2, world["lead"])
    response = client2.get(f"/criteria-sets/{draft_id}/tender.md")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert client.get("/criteria-sets/999999/tender.md").status_code == 404
