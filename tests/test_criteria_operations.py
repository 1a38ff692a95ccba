"""The criteria-set steps the lead's pages call (alliance.criteria.operations), called directly."""

import pytest
import sqlalchemy as sa

from alliance.criteria import categories
from alliance.criteria import operations as ops
from alliance.errors import NotFoundError
from alliance.extensions import db
from alliance.models import Category, CriteriaSet
from tests.factories import make_alliance, make_published_criteria


def test_draft_start_reads_the_starting_point_the_form_offers():
    assert ops.draft_start("empty") == ([], False)
    assert ops.draft_start("") == ([], False)
    assert ops.draft_start(None) == ([], False)
    assert ops.draft_start("previous") == ([], True)
    assert ops.draft_start("ref:eu-gpp-computers") == (["eu-gpp-computers"], False)
    with pytest.raises(ops.CriteriaError) as refused:
        ops.draft_start("somewhere")
    assert refused.value.field == "start" and str(refused.value) == "Choose where the set starts from."


def test_only_a_drafts_own_criteria_open_for_editing(app):
    alliance_id = make_alliance(app)
    draft_id, (first, second) = make_published_criteria(app, alliance_id, status="draft")
    published_id, (published_criterion, _) = make_published_criteria(app, alliance_id, cpv_code="30231310-3")
    with app.app_context():
        draft = db.session.get(CriteriaSet, draft_id)
        assert ops.editable_criterion(draft, None) is None  # a new criterion
        assert ops.editable_criterion(draft, second).id == second
        with pytest.raises(NotFoundError):
            ops.editable_criterion(draft, published_criterion)  # another set's criterion
        published = db.session.get(CriteriaSet, published_id)
        with pytest.raises(ops.CriteriaLockedError, match="never changes"):
            ops.editable_criterion(published, published_criterion)
        with pytest.raises(ops.CriteriaLockedError):
            ops.editable_criterion(published, None)
        # a new criterion starts with the source the set's last criterion cites
        assert ops.new_criterion_defaults(draft) == {"source": "EU GPP criteria (test)", "source_url": ""}
        draft.criteria.clear()
        assert ops.new_criterion_defaults(draft) == {}


def test_the_chosen_category_stays_offered_when_a_search_leaves_it_out(app):
    alliance_id = make_alliance(app)
    make_published_criteria(app, alliance_id)  # laptops, 30213100-6
    with app.app_context():
        monitors = Category(cpv_code="30231310-3", name="Flat panel displays", unit="C62", sector="health")
        db.session.add(monitors)
        db.session.commit()
        laptops_id = db.session.scalar(sa.select(Category.id).where(Category.cpv_code == "30213100-6"))
        assert [c.cpv_code for c in categories.categories_to_offer(alliance_id, "ict", "", None)] == ["30213100-6"]
        found = categories.categories_to_offer(alliance_id, "ict", "3023", laptops_id)
        assert [c.cpv_code for c in found] == ["30213100-6", "30231310-3"]
        assert categories.categories_to_offer(alliance_id, "ict", "3023", "junk")[0].cpv_code == "30231310-3"
