"""Readiness: supplier declarations through the web form, and the readiness view with its suppression."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import CriteriaSet, DeclarationRevision, ReadinessDeclaration
from alliance.suppliers.readiness import compile_readiness
from tests.factories import (
    add_member,
    csrf_token,
    email_of,
    login,
    make_alliance,
    make_open_round,
    make_organisation,
    make_published_criteria,
    make_submitted_pledge,
    make_user,
)


def declare(app, organisation_id, criterion_id, status, ready_by=None):
    with app.app_context():
        db.session.add(ReadinessDeclaration(organisation_id=organisation_id, criterion_id=criterion_id,
                                            status=status, ready_by=ready_by))
        db.session.commit()


def round_with_pledges(app, k=3, core_buyers=2, comprehensive_buyers=2):
    alliance_id = make_alliance(app, k=k)
    set_id, (core, comprehensive) = make_published_criteria(app, alliance_id)
    round_id = make_open_round(app, alliance_id)
    for index in range(core_buyers + comprehensive_buyers):
        buyer = make_organisation(app)
        add_member(app, alliance_id, buyer)
        make_submitted_pledge(app, round_id, buyer, set_id, level="core" if index < core_buyers else "comprehensive",
                              quantity=100 + index)
    return round_id, core, comprehensive


def test_readiness_counts_suppliers_and_required_quantity_by_level(app):
    round_id, core, comprehensive = round_with_pledges(app)
    later = date.today() + timedelta(days=90)
    for index in range(4):
        supplier = make_organisation(app, kind="supplier", sme=index < 3)
        declare(app, supplier, core, "meets")
        declare(app, supplier, comprehensive, "by_date", later + timedelta(days=index))
    declare(app, make_organisation(app, kind="buyer"), core, "meets")  # a buyer's row never counts
    with app.app_context():
        lead, public = compile_readiness(round_id, 3)
    by_id = {row["criterion_id"]: row for row in public}
    # core: required by all 4 pledges (100+101+102+103); comprehensive: only the 2 comprehensive pledges
    assert by_id[core]["required_quantity"] == 406 and by_id[core]["meets"] == 4 and by_id[core]["meets_sme"] == 3
    assert by_id[core]["suppressed"] is False and by_id[core]["reason"] is None
    # the quarter by which 3 (k) suppliers are ready, never one supplier's own date
    third = later + timedelta(days=2)
    assert by_id[comprehensive]["by_date"] == 4
    assert by_id[comprehensive]["earliest_quarter"] == f"{third.year}-Q{(third.month - 1) // 3 + 1}"
    assert "earliest_date" not in by_id[comprehensive]
    # only 2 buyers pledged comprehensive: that required quantity is suppressed in public, kept for leads
    assert by_id[comprehensive]["required_quantity"] is None
    assert by_id[comprehensive]["reason"] == "fewer than 3 buyers"
    assert {row["criterion_id"]: row for row in lead}[comprehensive]["required_quantity"] == 205


def test_supplier_counts_below_k_are_suppressed_with_a_reason(app):
    round_id, core, comprehensive = round_with_pledges(app, core_buyers=3, comprehensive_buyers=3)
    for index in range(2):
        supplier = make_organisation(app, kind="supplier", sme=True)
        declare(app, supplier, core, "meets")
        declare(app, supplier, comprehensive, "by_date", date.today() + timedelta(days=30 + index))
    with app.app_context():
        lead, public = compile_readiness(round_id, 3)
    row = {r["criterion_id"]: r for r in public}[comprehensive]
    assert row["by_date"] is None and row["earliest_quarter"] is None and row["suppressed"] is True
    assert row["reason"] == "fewer than 3 suppliers" and row["cannot"] == 0
    core_row = {r["criterion_id"]: r for r in public}[core]
    assert core_row["meets"] is None and core_row["meets_sme"] is None and core_row["required_quantity"] == 615
    assert {r["criterion_id"]: r for r in lead}[core]["meets"] == 2  # leads' rows keep the figure, marked


def test_readiness_ignores_drafts_and_sets_nobody_pledged_to(app):
    round_id, core, _ = round_with_pledges(app, core_buyers=3, comprehensive_buyers=0)
    with app.app_context():
        alliance_id = db.session.scalar(sa.text("SELECT alliance_id FROM demand_round WHERE id = :id"),
                                        {"id": round_id})
    make_published_criteria(app, alliance_id, cpv_code="30231300-0")
    with app.app_context():
        _, public = compile_readiness(round_id, 3)
    assert [row["criterion_id"] for row in public] == [core, core + 1]


def supplier_client(app, client, organisation_id=None):
    organisation_id = organisation_id or make_organisation(app, kind="supplier")
    user_id = make_user(app, organisation_id=organisation_id)
    login(client, email_of(app, user_id))
    return organisation_id, user_id


def form_data(client, set_id):
    """The declaration form as a browser would send it untouched (every criterion "Not declared")."""
    html = client.get(f"/suppliers/declarations/{set_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, f"/suppliers/declarations/{set_id}")}
    for name, value in re.findall(r'name="(entries-\d+-(?:criterion_id|version))" type="hidden" value="([^"]*)"', html):
        data[name] = value
        data[name.rsplit("-", 1)[0] + "-status"] = ""
    return data


def test_supplier_declares_through_the_form_with_revision(app, client):
    alliance_id = make_alliance(app)
    set_id, (core, _) = make_published_criteria(app, alliance_id)
    organisation_id, _ = supplier_client(app, client)
    later = (date.today() + timedelta(days=60)).isoformat()
    data = form_data(client, set_id)
    data.update(entry(0, status="meets", evidence_label="TCO Certified",
                      evidence_reference="https://tcocertified.com/product-finder/"))
    data.update(entry(1, status="by_date", ready_by=later))
    response = client.post(f"/suppliers/declarations/{set_id}", data=data)
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(sa.select(ReadinessDeclaration).order_by(ReadinessDeclaration.criterion_id)).all()
        assert [(row.organisation_id, row.status, row.version) for row in rows] == [
            (organisation_id, "meets", 1), (organisation_id, "by_date", 1)]
        assert rows[0].evidence_label == "TCO Certified" and rows[1].ready_by.isoformat() == later
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeclarationRevision)) == 2
    page = client.get(f"/suppliers/declarations/{set_id}").get_data(as_text=True)
    assert "TCO Certified" in page and 'href="https://tcocertified.com/product-finder/"' in page
    data = form_data(client, set_id)  # now carries version 1 of both
    data.update(entry(0, status="cannot", note="Supplier changed its range"))
    data.update(entry(1, status="by_date", ready_by=later))
    assert client.post(f"/suppliers/declarations/{set_id}", data=data).status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(ReadinessDeclaration).where(ReadinessDeclaration.criterion_id == core))
        assert (row.status, row.version) == ("cannot", 2)
        # the unchanged by_date declaration wrote no revision
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeclarationRevision)) == 3


def entry(position, **fields):
    return {f"entries-{position}-{name}": value for name, value in fields.items()}


def test_bad_declarations_get_messages_and_nothing_is_stored(app, client):
    set_id, _ = make_published_criteria(app, make_alliance(app))
    supplier_client(app, client)
    data = form_data(client, set_id)
    data.update(entry(0, status="by_date", ready_by=date.today().isoformat()))
    data.update(entry(1, status="meets", evidence_reference="javascript:alert(1)"))
    html = client.post(f"/suppliers/declarations/{set_id}", data=data).get_data(as_text=True)
    assert "The date must be in the future." in html
    assert "A link must be a full https:// address" in html and "Nothing was saved" in html
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    with app.app_context():
        first, second = db.session.get(CriteriaSet, set_id).criteria[:2]
        # every declaration to correct is listed at the top, linked to its fieldset
        assert f'href="#criterion-{first.id}"' in summary and f'href="#criterion-{second.id}"' in summary
    data.update(entry(0, status="by_date", ready_by=""))
    assert "Give the date by which you can meet" in client.post(f"/suppliers/declarations/{set_id}",
                                                                data=data).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReadinessDeclaration)) == 0


def test_stale_form_is_refused_with_a_clear_message(app, client):
    set_id, (core, _) = make_published_criteria(app, make_alliance(app))
    organisation_id, _ = supplier_client(app, client)
    data = form_data(client, set_id)
    declare(app, organisation_id, core, "cannot")  # a colleague saves first
    data.update(entry(0, status="meets"))
    html = client.post(f"/suppliers/declarations/{set_id}", data=data).get_data(as_text=True)
    assert "changed these declarations meanwhile" in html
    with app.app_context():
        assert db.session.scalar(sa.select(ReadinessDeclaration.status)) == "cannot"


def test_declarations_are_the_suppliers_own(app, client):
    set_id, (core, _) = make_published_criteria(app, make_alliance(app))
    other = make_organisation(app, kind="supplier")
    with app.app_context():
        db.session.add(ReadinessDeclaration(organisation_id=other, criterion_id=core, status="meets",
                                            evidence_label="Secret label 123"))
        db.session.commit()
    supplier_client(app, client)
    assert "Secret label 123" not in client.get(f"/suppliers/declarations/{set_id}").get_data(as_text=True)
    buyer = make_user(app)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/suppliers/declarations")})
    login(client, email_of(app, buyer))
    assert client.get("/suppliers/declarations").status_code == 403
    assert client.get(f"/suppliers/declarations/{set_id}").status_code == 403


def test_draft_criteria_sets_cannot_be_declared(app, client):
    set_id, _ = make_published_criteria(app, make_alliance(app), status="draft")
    supplier_client(app, client)
    assert client.get(f"/suppliers/declarations/{set_id}").status_code == 404


def test_evidence_links_must_be_https_as_the_form_says(app, client):
    set_id, _ = make_published_criteria(app, make_alliance(app))
    supplier_client(app, client)
    data = form_data(client, set_id)
    data.update(entry(0, status="meets", evidence_reference="http://tcocertified.com/certificate/123"))
    html = client.post(f"/suppliers/declarations/{set_id}", data=data).get_data(as_text=True)
    assert "A link must be a full https:// address" in html and "link starting with https://" in html
    data.update(entry(0, status="meets", evidence_reference="https://tcocertified.com/certificate/123"))
    assert client.post(f"/suppliers/declarations/{set_id}", data=data).status_code == 302
