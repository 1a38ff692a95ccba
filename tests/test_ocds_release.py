"""A published summary as an OCDS release (alliance.summaries.ocds), built directly: public figures only, a
suppressed quantity left out rather than zeroed, criteria mapped to the sustainability extension."""

from alliance.extensions import db
from alliance.models import DemandSummary
from alliance.summaries import ocds
from tests.factories import add_criterion, make_pledging_round, make_summary


def test_release_carries_public_figures_and_cited_criteria(app):
    world = make_pledging_round(app)
    add_criterion(app, world.sets["30213100-6/v2"], "TS1", title="Durability", source="EU GPP criteria (2021)",
                  source_section="TS1")
    summary_id = make_summary(app, world)
    with app.app_context():
        summary = db.session.get(DemandSummary, summary_id)
        release = ocds.summary_release(summary, "ocds-test00", "https://example.org/s", lambda i: f"/clauses/{i}")
    assert release["ocid"] == f"ocds-test00-{summary.series_id}" and release["tag"] == ["planning"]
    items = {item["id"]: item for item in release["tender"]["items"]}
    assert items["30213100-6"]["quantity"] == 12000
    assert "quantity" not in items["30231310-3"]  # suppressed: left out, never 0
    assert "budget" not in release["planning"]  # the overall value is withheld in the public data
    assert release["parties"] == []  # nobody signed a joint statement of the round
    assert release["tender"]["hasSustainability"] is True
    [entry] = release["tender"]["sustainability"]
    assert entry["description"].startswith("Item 30213100-6 (Portable computers): TS1 Durability")
    assert entry["strategies"] == ["technicalSpecifications", "euGPPCriteria"]


def test_a_withdrawal_is_a_release_of_the_same_process(app):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world, status="withdrawn")
    with app.app_context():
        summary = db.session.get(DemandSummary, summary_id)
        release = ocds.withdrawal_release(summary, "ocds-test00")
        assert release["ocid"] == f"ocds-test00-{summary.series_id}" and release["tag"] == ["planningUpdate"]
        assert release["tender"]["status"] == "withdrawn" and release["date"] == summary.withdrawn_at.isoformat()


def test_nothing_is_exported_until_the_deployment_names_prefix_licence_and_policy():
    assert ocds.missing_configuration({}) == ["OCDS_PREFIX", "OCDS_LICENSE", "OCDS_PUBLICATION_POLICY"]
    assert ocds.missing_configuration({"OCDS_PREFIX": "ocds-a1b2c3", "OCDS_LICENSE": "x",
                                       "OCDS_PUBLICATION_POLICY": "y"}) == []
