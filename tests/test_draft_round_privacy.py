"""A draft round is the leads' work in progress: only they see it, on the pledge pages as on the round page."""

import pytest

from alliance.extensions import db
from alliance.models import DemandRound
from tests.factories import login, make_pledging_round


@pytest.mark.parametrize("page", ["", "/import", "/import-template.csv"])
def test_a_draft_round_is_shown_to_its_alliance_leads_only(app, page):
    world = make_pledging_round(app, status="draft")
    with app.app_context():
        title = db.session.get(DemandRound, world.round_id).title
    url = f"/pledges/rounds/{world.round_id}{page}"
    for who, expected in (("lead", 200), ("a", 404), ("outsider", 404), ("supplier", 404)):
        client = app.test_client()
        login(client, world[who])
        response = client.get(url)
        assert response.status_code == expected, (who, url)
        if expected == 404:
            assert title not in response.get_data(as_text=True)
