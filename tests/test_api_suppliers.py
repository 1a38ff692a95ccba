"""GET|PUT /api/v1/suppliers/me/declarations: own declarations only, validation as a whole, versions."""

from datetime import date, timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DeclarationRevision, ReadinessDeclaration
from tests.factories import api_token, email_of, make_alliance, make_organisation, make_published_criteria, make_user

URL = "/api/v1/suppliers/me/declarations"


def supplier_headers(app, client, organisation_id=None):
    organisation_id = organisation_id or make_organisation(app, kind="supplier")
    user_id = make_user(app, organisation_id=organisation_id)
    return {"Authorization": f"Bearer {api_token(client, email_of(app, user_id))}"}


def test_put_then_update_with_version_and_stale_version_is_409(app, client):
    _, (core, comprehensive) = make_published_criteria(app, make_alliance(app))
    headers = supplier_headers(app, client)
    later = (date.today() + timedelta(days=120)).isoformat()
    response = client.put(URL, headers=headers, json=[
        {"criterion_id": core, "status": "meets", "evidence_label": "EPEAT Gold",
         "evidence_reference": "https://www.epeat.net/"},
        {"criterion_id": comprehensive, "status": "by_date", "ready_by": later},
    ])
    assert response.status_code == 200, response.get_json()
    rows = {row["criterion_id"]: row for row in response.get_json()}
    assert rows[core]["version"] == 1 and rows[comprehensive]["ready_by"] == later
    update = client.put(URL, headers=headers, json=[{"criterion_id": core, "status": "cannot", "version": 1}])
    assert update.status_code == 200
    assert {r["criterion_id"]: r for r in update.get_json()}[core]["version"] == 2
    stale = client.put(URL, headers=headers, json=[
        {"criterion_id": comprehensive, "status": "meets", "version": 1},
        {"criterion_id": core, "status": "meets", "version": 1},  # someone else made it 2
    ])
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    missing_version = client.put(URL, headers=headers, json=[{"criterion_id": core, "status": "meets"}])
    assert missing_version.status_code == 409
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(ReadinessDeclaration.criterion_id, ReadinessDeclaration.status)).all())
        assert statuses == {core: "cannot", comprehensive: "by_date"}  # the stale request changed nothing
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeclarationRevision)) == 3


def test_invalid_list_is_refused_as_a_whole(app, client):
    _, (core, comprehensive) = make_published_criteria(app, make_alliance(app))
    headers = supplier_headers(app, client)
    response = client.put(URL, headers=headers, json=[
        {"criterion_id": core, "status": "meets"},
        {"criterion_id": comprehensive, "status": "by_date", "ready_by": date.today().isoformat()},
        {"criterion_id": core + 1000, "status": "meets", "evidence_reference": "ftp://example.test/cert"},
    ])
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["1"]["ready_by"] == ["The date must be in the future."]
    assert "criterion_id" in fields["2"] and "evidence_reference" in fields["2"]
    assert client.put(URL, headers=headers, json=[{"criterion_id": core, "status": "maybe"}]).status_code == 422
    assert client.put(URL, headers=headers, json={"not": "a list"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReadinessDeclaration)) == 0


def test_only_own_declarations_and_only_suppliers(app, client):
    _, (core, _) = make_published_criteria(app, make_alliance(app))
    other = make_organisation(app, kind="supplier")
    with app.app_context():
        db.session.add(ReadinessDeclaration(organisation_id=other, criterion_id=core, status="meets",
                                            note="confidential roadmap"))
        db.session.commit()
    mine = client.get(URL, headers=supplier_headers(app, client))
    assert mine.status_code == 200 and mine.get_json() == []
    buyer = {"Authorization": f"Bearer {api_token(client, email_of(app, make_user(app)))}"}
    assert client.get(URL, headers=buyer).status_code == 403
    assert client.put(URL, headers=buyer, json=[{"criterion_id": core, "status": "meets"}]).status_code == 403
    assert client.get(URL).status_code == 401
