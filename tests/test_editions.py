"""The edition life cycle both joint statements and demand summaries follow (alliance.editions), through each
kind's operations: one draft per series, numbered after the last edition; publishing supersedes."""

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import AuditEvent, DemandSummary, User
from alliance.statements import operations as statements
from alliance.summaries import operations as summaries
from tests.factories import make_pledging_round, make_summary


def lead_of(world) -> User:
    return db.session.scalar(sa.select(User).where(User.email == world.lead))


def test_a_statement_series_has_one_draft_at_a_time_numbered_after_the_last_edition(app):
    world = make_pledging_round(app)
    with app.app_context():
        lead = lead_of(world)
        first = statements.create_draft(lead, world.round_id)
        with pytest.raises(statements.StatementConflictError, match="already being drafted"):
            statements.create_draft(lead, world.round_id)
        statements.discard_draft(lead, first.id, first.version)
        assert statements.create_draft(lead, world.round_id).edition == 1  # the discarded draft left no gap
        db.session.rollback()


def test_a_summarys_new_edition_supersedes_it_once_published(app):
    world = make_pledging_round(app)
    first_id = make_summary(app, world)
    with app.app_context():
        lead = lead_of(world)
        second = summaries.new_edition(lead, first_id)
        assert second.edition == 2 and second.status == "draft"
        with pytest.raises(summaries.SummaryConflictError, match="^Edition 2 is already being drafted.$"):
            summaries.new_edition(lead, first_id)
        with pytest.raises(summaries.SummaryStaleError, match="changed this draft meanwhile"):
            summaries.publish(lead, second.id, second.version + 1)
        summaries.publish(lead, second.id, second.version)
        db.session.commit()
        assert db.session.get(DemandSummary, first_id).status == "superseded"
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "summary.published",
                                                              AuditEvent.object_id == second.id))
        assert event.detail["superseded"] == [first_id] and event.detail["edition"] == 2
