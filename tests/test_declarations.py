"""A supplier organisation's readiness declarations (alliance.suppliers.declarations), called directly:
saved as a whole or not at all, versioned, every change a revision."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import CriteriaSet, DeclarationRevision, ReadinessDeclaration, User
from alliance.suppliers import declarations as ops
from tests.factories import make_alliance, make_organisation, make_published_criteria, make_user

TODAY = date(2027, 3, 1)


@pytest.fixture
def setup(app):
    alliance_id = make_alliance(app)
    set_id, criteria = make_published_criteria(app, alliance_id)
    draft_id, (draft_criterion, _) = make_published_criteria(app, alliance_id, cpv_code="30231310-3", status="draft")
    user_id = make_user(app, organisation_id=make_organisation(app, kind="supplier"))
    return {"set_id": set_id, "criteria": criteria, "draft_id": draft_id, "draft_criterion": draft_criterion,
            "user_id": user_id}


def item(criterion_id, status="meets", **changes) -> dict:
    return {"criterion_id": criterion_id, "status": status, "ready_by": None, "evidence_label": "",
            "evidence_reference": "", "note": "", "version": None, **changes}


def save(setup, *items):
    user = db.session.get(User, setup["user_id"])
    return ops.save_declarations(user, list(items), today=TODAY)


def revisions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DeclarationRevision))


def test_declarations_are_saved_with_a_revision_and_an_unchanged_one_writes_nothing(app, setup):
    core, comprehensive = setup["criteria"]
    with app.app_context():
        saved = save(setup, item(core, evidence_label=" EPEAT Gold "),
                     item(comprehensive, "by_date", ready_by=TODAY + timedelta(days=90)))
        assert [(row.criterion_id, row.version) for row in saved] == [(core, 1), (comprehensive, 1)]
        assert saved[0].evidence_label == "EPEAT Gold" and revisions() == 2
        assert save(setup, item(core, evidence_label="EPEAT Gold", version=1)) == []
        assert revisions() == 2
        [changed] = save(setup, item(core, "cannot", ready_by=TODAY + timedelta(days=5), version=1))
        assert changed.version == 2 and changed.ready_by is None  # a date only means something for by_date
        db.session.commit()


def test_a_stale_version_refuses_every_item_and_writes_nothing(app, setup):
    core, comprehensive = setup["criteria"]
    with app.app_context():
        save(setup, item(core))
        db.session.commit()
        with pytest.raises(ops.StaleDeclarationError) as stale:
            save(setup, item(comprehensive), item(core, "cannot"))  # core exists: a version is required
        assert stale.value.criterion_ids == [core]
        db.session.rollback()
        statuses = dict(db.session.execute(sa.select(ReadinessDeclaration.criterion_id,
                                                     ReadinessDeclaration.status)).all())
        assert statuses == {core: "meets"}


def test_every_invalid_item_is_reported_at_its_position(app, setup):
    core, comprehensive = setup["criteria"]
    with app.app_context():
        with pytest.raises(ops.DeclarationError) as refused:
            save(setup, item(core), item(comprehensive, "by_date", ready_by=TODAY),
                 item(setup["draft_criterion"]), item(core, evidence_reference="javascript:alert(1)"))
        assert refused.value.fields == {
            1: {"ready_by": ["The date must be in the future."]},
            2: {"criterion_id": ["No criterion of a published criteria set has this id."]},
            3: {"evidence_reference": ["A link must be a full https:// address, e.g. https://example.org/certificate."],
                "criterion_id": ["This criterion is listed twice."]},
        }
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReadinessDeclaration)) == 0


def test_the_form_starts_from_one_item_per_criterion_in_the_sets_order(app, setup):
    core, comprehensive = setup["criteria"]
    with app.app_context():
        save(setup, item(comprehensive, "by_date", ready_by=TODAY + timedelta(days=30), note="Q2"))
        db.session.commit()
        organisation_id = db.session.get(User, setup["user_id"]).organisation_id
        items = ops.declaration_items(organisation_id, db.session.get(CriteriaSet, setup["set_id"]))
        assert items == [item(core, ""),
                         item(comprehensive, "by_date", ready_by=TODAY + timedelta(days=30), note="Q2", version=1)]
        assert ops.declaration_items(make_organisation(app, kind="supplier"),
                                     db.session.get(CriteriaSet, setup["set_id"]))[1]["version"] is None
        assert ops.published_set(setup["set_id"]).id == setup["set_id"]
        assert ops.published_set(setup["draft_id"]) is None


def test_evidence_links_are_https_addresses_only():
    assert ops.is_evidence_link("https://www.epeat.net/certificate/123")
    for text in ("http://example.org/c", "javascript:alert(1)", "https://", "https://exa mple.org", "TCO:123"):
        assert not ops.is_evidence_link(text), text
