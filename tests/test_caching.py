"""Public pages built from immutable data carry ETags: a repeat visit gets 304; a new snapshot or a
signed-in visitor gets the page itself."""

from alliance.extensions import db
from alliance.models import DemandSummary
from alliance.signals import snapshots
from tests.factories import login, make_pledging_round, make_submitted_pledge, make_summary


def test_public_dashboard_answers_304_until_a_new_snapshot(app, client):
    world = make_pledging_round(app)
    first = client.get("/alliances/ict/signals")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    again = client.get("/alliances/ict/signals", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    for org in ("a_org", "b_org", "lead_org"):
        make_submitted_pledge(app, world.round_id, world[org], world.sets["30213100-6/v2"])
    with app.app_context():
        snapshots.compile_signals(world.round_id)
        db.session.commit()
    changed = client.get("/alliances/ict/signals", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

    login(client, world.lead)  # a signed-in page carries the user's navigation: never shared
    signed_in = client.get("/alliances/ict/signals", headers={"If-None-Match": changed.headers["ETag"]})
    assert signed_in.status_code == 200 and "ETag" not in signed_in.headers


def test_public_summary_page_answers_304(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    with app.app_context():
        summary_path = f"/summaries/{db.session.get(DemandSummary, summary_id).series_id}"
    page = client.get(summary_path)
    assert page.status_code == 200 and page.headers.get("ETag")
    assert client.get(summary_path, headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_a_visitors_pending_message_is_never_kept_in_the_shared_page(app, client):
    make_pledging_round(app)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message for one visitor only.")]
    page = client.get("/alliances/ict/signals")
    assert "A message for one visitor only." in page.get_data(as_text=True) and "ETag" not in page.headers
    other = app.test_client().get("/alliances/ict/signals")
    assert "A message for one visitor only." not in other.get_data(as_text=True) and other.headers["ETag"]
