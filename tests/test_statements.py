"""Joint statements of demand: leads draft and publish editions with quantified, dated commitments; buyer
organisations sign or withdraw their signature as a deliberate, confirmed act; the page, PDF and DOCX show
the signed text with its signatories and never a volume."""

import io
import re
import zlib
from pathlib import Path

import sqlalchemy as sa
from docx import Document

from alliance.extensions import db
from alliance.models import AuditEvent, Dialogue, JointStatement, Organisation, StatementSignature, User
from alliance.models.base import utcnow
from alliance.statements import operations as ops
from tests.factories import (
    SUPPRESSED_FIGURES,
    add_member,
    csrf_token,
    email_of,
    login,
    make_organisation,
    make_pledging_round,
    make_submitted_pledge,
    make_summary,
    make_user,
)

HIDDEN = {value for figures in SUPPRESSED_FIGURES.values() for value in figures.values()}


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _draft(app, world, commitments=None, summary_id=None, preamble="Evidence: [GPP](https://example.org/gpp).") -> int:
    """A draft edition with the given commitments (default: laptops v2, 50 % comprehensive from 2027)."""
    with app.app_context():
        lead = _user(world.lead)
        statement = ops.create_draft(lead, world.round_id)
        ops.update_draft(lead, statement.id, statement.version, ops.StatementFields(
            title="Joint statement on durable laptops", preamble=preamble, statement_date=statement.statement_date,
            market_conditions="Few suppliers offer **five-year** warranties today.",
            working_group="Coordinated by the lead's procurement office.", summary_id=summary_id,
            commitments=commitments if commitments is not None else [
                ops.CommitmentInput(world.sets["30213100-6/v2"], 50, "comprehensive", 2027)]))
        db.session.commit()
        return statement.id


def _publish(app, world, statement_id) -> None:
    with app.app_context():
        statement = db.session.get(JointStatement, statement_id)
        ops.publish(_user(world.lead), statement_id, statement.version)
        db.session.commit()


def _page(world, edition=1) -> str:
    return f"/alliances/ict/rounds/{world.round_id}/statement/{edition}"


def _confirm(client, world, action, edition=1):
    """Follow the no-JavaScript confirmation: GET the page, then submit its form."""
    page = client.get(f"{_page(world, edition)}/{action}")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    assert "<form method=\"post\"" in html and "Cancel" in html
    data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "confirm": "yes"}
    version = re.search(r'name="version" value="(\d+)"', html)
    if version:
        data["version"] = version.group(1)
    return client.post(f"{_page(world, edition)}/{action}", data=data)


def test_lead_publishes_a_statement_with_dated_commitments_and_cited_evidence(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    statement_id = _draft(app, world, summary_id=summary_id,
                          preamble="Evidence: [EU GPP](https://example.org/gpp)<script>alert(1)</script>")
    assert client.get(_page(world)).status_code == 404  # a draft is the leads' alone
    login(client, world.lead)
    assert "Draft: only the alliance" in client.get(_page(world)).get_data(as_text=True)
    response = _confirm(client, world, "publish")
    assert response.status_code == 302
    html = client.get(f"/alliances/ict/rounds/{world.round_id}/statement").get_data(as_text=True)
    assert ("From 2027, at least 50 % of the portable computers the signatories buy meet the comprehensive level "
            "of “Portable computers criteria v2”, version 2 (CPV 30213100-6).") in html
    assert '<a href="https://example.org/gpp"' in html and "<script>" not in html
    assert "not a purchase commitment" in html and "Coordinated by the lead" in html
    assert "<strong>five-year</strong>" in html
    with app.app_context():
        statement = db.session.get(JointStatement, statement_id)
        assert statement.status == "published" and statement.published_at is not None
        assert statement.statement_date.isoformat() in html
        series = statement.summary.series_id
        assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "statement.published"))
    assert f"/summaries/{series}/1" in html  # the round's published summary
    assert "Portable computers (CPV 30213100-6): quantity 12,000" in html  # its public figure
    for hidden in HIDDEN:
        assert f">{hidden}<" not in html and (hidden < 1000 or (f"{hidden:,}" not in html and str(hidden) not in html))
    summary_html = client.get(f"/summaries/{series}").get_data(as_text=True)
    assert f'href="{_page(world)}"' in summary_html  # and the summary links back to the statement
    # The round page links to the statement.
    round_html = client.get(f"/alliances/ict/rounds/{world.round_id}").get_data(as_text=True)
    assert _page(world) in round_html and "0 signatories" in round_html


def test_a_published_edition_never_changes_and_a_stale_edit_is_refused(app, client):
    world = make_pledging_round(app)
    statement_id = _draft(app, world)
    with app.app_context():
        version = db.session.get(JointStatement, statement_id).version
        lead = _user(world.lead)
        ops.update_draft(lead, statement_id, version, ops.StatementFields(
            title="First editor's title", statement_date=utcnow().date(),
            commitments=[ops.CommitmentInput(world.sets["30213100-6/v2"], 60, "core", 2028)]))
        db.session.commit()
    login(client, world.lead)
    form = client.get(f"{_page(world)}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    stale = client.post(f"{_page(world)}/edit", data={
        "csrf_token": token, "version": str(version), "title": "Second editor's title",
        "commitments-0-criteria_set_id": str(world.sets["30213100-6/v2"]), "commitments-0-share_percent": "10",
        "commitments-0-level": "core", "commitments-0-from_year": "2029", "legal_nature": "An intention."})
    assert stale.status_code == 409 and "changed this statement meanwhile" in stale.get_data(as_text=True)
    with app.app_context():
        statement = db.session.get(JointStatement, statement_id)
        assert statement.title == "First editor's title"
        assert [(c.share_percent, c.from_year) for c in statement.commitments] == [(60, 2028)]
    _publish(app, world, statement_id)
    with app.app_context():
        statement = db.session.get(JointStatement, statement_id)
        try:
            ops.update_draft(_user(world.lead), statement_id, statement.version, ops.StatementFields(title="X"))
        except ops.StatementConflictError as error:
            assert "never changes" in str(error)
        else:
            raise AssertionError("a published edition was edited")
    assert client.get(f"{_page(world)}/edit").status_code == 302


def test_commitments_name_a_criteria_set_of_the_round_and_bad_input_writes_nothing(app):
    world = make_pledging_round(app)
    statement_id = _draft(app, world)
    other = make_pledging_round(app, slug="other")
    cases = [
        ([ops.CommitmentInput(other["sets"]["30213100-6/v2"], 50, "core", 2027)], "published criteria set"),
        ([ops.CommitmentInput(world.sets["30213100-6/v3"], 50, "core", 2027)], "published criteria set"),
        ([ops.CommitmentInput(world.sets["30213100-6/v2"], 0, "core", 2027)], "from 1 to 100"),
        ([ops.CommitmentInput(world.sets["30213100-6/v2"], 101, "core", 2027)], "from 1 to 100"),
        ([ops.CommitmentInput(world.sets["30213100-6/v2"], 50, "platinum", 2027)], "level"),
        ([ops.CommitmentInput(world.sets["30213100-6/v2"], 50, "core", None)], "year"),
    ]
    for commitments, message in cases:
        with app.app_context():
            statement = db.session.get(JointStatement, statement_id)
            try:
                ops.update_draft(_user(world.lead), statement_id, statement.version,
                                 ops.StatementFields(title="Changed", commitments=commitments))
            except ops.StatementError as error:
                assert message in str(error)
                db.session.rollback()
            else:
                raise AssertionError(commitments)
    with app.app_context():
        statement = db.session.get(JointStatement, statement_id)
        assert statement.title == "Joint statement on durable laptops" and len(statement.commitments) == 1
        ops.update_draft(_user(world.lead), statement_id, statement.version,
                         ops.StatementFields(title="No commitments", statement_date=statement.statement_date))
        try:
            ops.publish(_user(world.lead), statement_id, statement.version)
        except ops.StatementError as error:
            assert "at least one quantified, dated commitment" in str(error)
        else:
            raise AssertionError("published without commitments")


def test_buyer_signs_and_withdraws_deliberately_and_each_step_is_recorded(app, client):
    world = make_pledging_round(app)
    _publish(app, world, _draft(app, world))
    make_submitted_pledge(app, world.round_id, world.a_org, world.sets["30213100-6/v2"], quantity=7777)
    html = client.get(_page(world)).get_data(as_text=True)
    assert "No signatures yet." in html  # pledging does not sign
    login(client, world.a)
    assert "Sign for A org" in client.get(_page(world)).get_data(as_text=True)
    assert _confirm(client, world, "sign").status_code == 302
    html = client.get(_page(world)).get_data(as_text=True)
    with app.app_context():
        name = db.session.get(Organisation, world.a_org).name
        signature = db.session.scalar(sa.select(StatementSignature))
        assert signature.signed_by.email == world.a and signature.withdrawn_at is None
        signed_on = signature.signed_at.strftime("%Y-%m-%d")
    assert f"<td>{name}</td>" in html and signed_on in html and "7777" not in html and "7,777" not in html
    assert "Withdraw our signature" in html
    # A colleague of the same organisation cannot sign twice for it.
    with app.app_context():
        try:
            ops.sign(_user(world.a2), signature.statement_id)
        except ops.StatementConflictError:
            db.session.rollback()
        else:
            raise AssertionError("signed twice")
    assert _confirm(client, world, "unsign").status_code == 302
    assert f"<td>{name}</td>" not in client.get(_page(world)).get_data(as_text=True)
    assert _confirm(client, world, "sign").status_code == 302  # signing again restores it, dated anew
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.like("statement.sign%")).order_by(AuditEvent.id)))
        assert actions == ["statement.signed", "statement.signature_withdrawn", "statement.signed"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatementSignature)) == 1
        assert [s.name for s in ops.signatories(signature.statement_id)] == [name]


def test_only_active_members_from_verified_buyers_sign(app, client):
    world = make_pledging_round(app)
    statement_id = _draft(app, world)
    pending_org = make_organisation(app, name="Pending Town")
    add_member(app, world.alliance_id, pending_org, status="pending")
    pending = email_of(app, make_user(app, pending_org))
    assert client.get(f"{_page(world)}/sign").status_code == 302  # anonymous: log in first
    _publish(app, world, statement_id)
    for email in (world.supplier, world.outsider, world.unverified, pending):
        with app.test_client() as other:
            login(other, email)
            page = other.get(f"{_page(world)}/sign")
            assert page.status_code == 303, email
            token = csrf_token(other, _page(world))
            other.post(f"{_page(world)}/sign", data={"csrf_token": token, "confirm": "yes"})
    anonymous = client.get(f"{_page(world)}/sign")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatementSignature)) == 0
        try:
            ops.sign(_user(world.supplier), statement_id)
        except ops.StatementForbiddenError as error:
            assert "Only public buyers" in str(error)


def test_a_withdrawn_or_superseded_edition_cannot_be_signed_and_keeps_its_signatures(app, client):
    world = make_pledging_round(app)
    first_id = _draft(app, world)
    _publish(app, world, first_id)
    with app.app_context():
        ops.sign(_user(world.a), first_id)
        second = ops.create_draft(_user(world.lead), world.round_id)
        db.session.commit()
        second_id = second.id
    _publish(app, world, second_id)
    with app.app_context():
        assert db.session.get(JointStatement, first_id).status == "superseded"
        assert [s.organisation_id for s in ops.signatories(first_id)] == [world.a_org]
        assert ops.signatories(second_id) == []  # a new text is signed afresh
        try:
            ops.sign(_user(world.b), first_id)
        except ops.StatementForbiddenError as error:
            assert "superseded" in str(error)
    login(client, world.lead)
    assert _confirm(client, world, "withdraw", edition=2).status_code == 302
    html = client.get(f"/alliances/ict/rounds/{world.round_id}/statement").get_data(as_text=True)
    assert "was withdrawn on" in html and "Sign for" not in html


def test_pdf_and_docx_carry_the_signed_text_with_non_latin1_names(app, client):
    world = make_pledging_round(app)
    statement_id = _draft(app, world, preamble="Region Västerdal and Łódź cite [evidence](https://example.org/e).")
    _publish(app, world, statement_id)
    with app.app_context():
        organisation = db.session.get(Organisation, world.a_org)
        organisation.name = "Västerdal Ålborg Łódź kommun"
        db.session.commit()
        ops.sign(_user(world.a), statement_id)
        db.session.commit()
    make_submitted_pledge(app, world.round_id, world.a_org, world.sets["30213100-6/v2"], quantity=8642)
    docx = client.get(f"{_page(world)}.docx")
    assert docx.status_code == 200 and docx.mimetype.endswith("wordprocessingml.document")
    text = "\n".join(paragraph.text for paragraph in Document(io.BytesIO(docx.data)).paragraphs)
    assert "Joint statement on durable laptops" in text and "Västerdal Ålborg Łódź kommun (Sweden), signed" in text
    assert "From 2027, at least 50 %" in text and "not a purchase commitment" in text
    assert "evidence (https://example.org/e)" in text and "8642" not in text and "8,642" not in text
    pdf = client.get(f"{_page(world)}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"DejaVuSans" in pdf.data  # the shipped Unicode font is embedded
    streams = [zlib.decompress(match) for match in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf.data, re.S)
               if match[:1] == b"x"]
    assert any(b"Tj" in stream or b"TJ" in stream for stream in streams)
    assert client.get(f"/alliances/ict/rounds/{world.round_id}/statement/9.pdf").status_code == 404


def test_a_document_is_rendered_once_per_content_and_served_with_an_etag(app, client, monkeypatch):
    from alliance.statements import documents

    renders = []
    for name in ("statement_pdf", "statement_docx"):
        original = getattr(documents, name)
        monkeypatch.setattr(documents, name, lambda *args, _render=original, _name=name: (
            renders.append(_name), _render(*args))[1])
    world = make_pledging_round(app)
    statement_id = _draft(app, world)
    _publish(app, world, statement_id)
    first, second = client.get(f"{_page(world)}.pdf"), client.get(f"{_page(world)}.pdf")
    assert first.status_code == second.status_code == 200 and renders == ["statement_pdf"]
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    unchanged = client.get(f"{_page(world)}.pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.data and renders == ["statement_pdf"]
    docx = client.get(f"{_page(world)}.docx")
    assert docx.data.startswith(b"PK") and renders == ["statement_pdf", "statement_docx"]

    with app.app_context():  # a new signature changes what the document says: it is rendered anew
        ops.sign(_user(world.a), statement_id)
        db.session.commit()
    signed = client.get(f"{_page(world)}.docx", headers={"If-None-Match": docx.headers["ETag"]})
    assert signed.status_code == 200 and renders[-1] == "statement_docx" and len(renders) == 3
    text = "\n".join(paragraph.text for paragraph in Document(io.BytesIO(signed.data)).paragraphs)
    assert "No signatures yet." not in text and ", signed " in text
    assert len(list((Path(app.config["DOCUMENT_CACHE_FOLDER"])).glob(f"statement-{statement_id}-*.docx"))) == 1


def test_draft_pdf_is_for_leads_only_and_other_alliances_see_nothing(app, client):
    world = make_pledging_round(app)
    _draft(app, world)
    assert client.get(f"{_page(world)}.pdf").status_code == 404
    other = make_pledging_round(app, slug="other")
    login(client, other["lead"])
    assert client.get(_page(world)).status_code == 404
    assert client.get(f"{_page(world)}/edit").status_code == 404
    assert client.get(f"{_page(world)}/publish").status_code == 404


def test_summary_publish_and_withdraw_ask_for_confirmation_without_javascript(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world, status="draft")
    login(client, world.lead)
    preview = client.get(f"/summaries/manage/{summary_id}").get_data(as_text=True)
    assert f'href="/summaries/manage/{summary_id}/publish"' in preview
    assert f'action="/summaries/manage/{summary_id}/publish"' not in preview  # no one-click publish
    for action, button in (("publish", "Publish this edition"), ("withdraw", "Withdraw this summary")):
        page = client.get(f"/summaries/manage/{summary_id}/{action}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and f">{button}</button>" in html and "Cancel" in html
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
        assert client.post(f"/summaries/manage/{summary_id}/{action}",
                           data={"csrf_token": token, "version": version}).status_code == 302
    from alliance.models import DemandSummary

    with app.app_context():
        assert db.session.get(DemandSummary, summary_id).status == "withdrawn"
    with app.test_client() as buyer:
        login(buyer, world.a)
        assert buyer.get(f"/summaries/manage/{summary_id}/withdraw").status_code == 404


def test_dialogue_page_links_to_its_round_or_summary(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    with app.app_context():
        from alliance.models import DemandSummary

        summary = db.session.get(DemandSummary, summary_id)
        on_round = Dialogue(alliance_id=world.alliance_id, round_id=world.round_id, title="On the round",
                            closes_at=utcnow())
        on_summary = Dialogue(alliance_id=world.alliance_id, summary_id=summary_id, title="On the summary",
                              closes_at=utcnow())
        db.session.add_all([on_round, on_summary])
        db.session.commit()
        ids, series = (on_round.id, on_summary.id), summary.series_id
    round_html = client.get(f"/dialogues/{ids[0]}").get_data(as_text=True)
    assert f'href="/alliances/ict/rounds/{world.round_id}"' in round_html and "ICT round 2027" in round_html
    summary_html = client.get(f"/dialogues/{ids[1]}").get_data(as_text=True)
    assert f'href="/summaries/{series}/1"' in summary_html and "ICT demand 2027" in summary_html
