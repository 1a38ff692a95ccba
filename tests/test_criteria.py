"""Criteria sets: leads draft, edit, publish and retire versions; everyone reads the published ones."""

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from alliance.criteria import operations as ops
from alliance.extensions import db
from alliance.models import Category, CriteriaSet, Criterion, User
from alliance.reference.loader import load_reference
from tests.factories import (
    TwoAlliances,
    api_token,
    csrf_token,
    login,
    make_two_alliances,
)

EU_GPP = "eu-gpp-computers-monitors-tablets-smartphones"


@dataclass(frozen=True)
class World(TwoAlliances):
    laptops: int  # category ids, from the reference data
    monitors: int
    gloves: int


@pytest.fixture
def world(app):
    with app.app_context():
        load_reference()
        db.session.commit()
        ids = {cpv: cid for cpv, cid in db.session.execute(sa.select(Category.cpv_code, Category.id))}
    return World(**vars(make_two_alliances(app)), laptops=ids["30213100-6"], monitors=ids["30231310-3"],
                 gloves=ids["33141420-0"])


def actor(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def draft(app, world, category="laptops", keys=(EU_GPP,), publish=False, alliance="ict", lead="lead"):
    from alliance.models import Alliance

    with app.app_context():
        criteria_set = ops.create_draft(actor(getattr(world, lead)), db.session.get(Alliance, getattr(world, alliance)),
                                        getattr(world, category), reference_keys=list(keys))
        if publish:
            ops.publish(actor(getattr(world, lead)), criteria_set)
        db.session.commit()
        return criteria_set.id


def criterion_form(**changes):
    data = {"code": "X1", "title": "Take-back of packaging", "text": "The supplier takes back packaging.",
            "type": "clause", "level": "core", "verification": "TCO Certified or equivalent",
            "source": "Example guidance 2024", "source_section": "Section 3.1", "source_url": "https://example.org/g",
            "impact_factor": "", "impact_unit": "", "impact_source": ""}
    data.update(changes)
    return data


def test_lead_drafts_from_reference_edits_and_publishes(app, client, world):
    login(client, world.lead)
    page = "/alliances/ict/criteria/new"
    # Titled by the lead: the set will mix EU GPP criteria with another source's, so it cannot be named EU GPP.
    response = client.post(page, data={"category_id": world.laptops, "start": f"ref:{EU_GPP}",
                                       "title": "Laptops", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    set_id = int(re.search(r"/criteria/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        criteria_set = db.session.get(CriteriaSet, set_id)
        assert (criteria_set.status, criteria_set.version) == ("draft", 1)
        codes = [c.code for c in criteria_set.criteria]
        assert "TS6" in codes and "TS19" not in codes  # TS19 applies to monitors only
        assert all(c.source.startswith("European Commission") and c.source_section for c in criteria_set.criteria)
    assert client.get(f"/alliances/ict/criteria/{set_id}", follow_redirects=False).status_code == 200
    add = f"/alliances/ict/criteria/{set_id}/criteria/new"
    assert client.post(add, data={**criterion_form(), "csrf_token": csrf_token(client, add)}).status_code == 302
    publish = client.post(f"/alliances/ict/criteria/{set_id}/publish",
                          data={"csrf_token": csrf_token(client, f"/alliances/ict/criteria/{set_id}")})
    assert publish.status_code == 302
    anonymous = client.application.test_client()
    html = anonymous.get("/alliances/ict/criteria/").get_data(as_text=True)
    assert "Take-back of packaging" in html and "Contract performance clause" in html
    assert "TCO Certified or equivalent" in html and 'href="https://example.org/g"' in html
    assert "Product lifetime extension, TS1" in html
    detail = anonymous.get("/api/v1/alliances/ict").get_json()
    (published,) = detail["criteria_sets"]
    assert published["version"] == 1 and published["category"]["cpv_code"] == "30213100-6"
    x1 = next(c for c in published["criteria"] if c["code"] == "X1")
    assert x1["type"] == "clause" and x1["source_section"] == "Section 3.1"
    assert anonymous.get("/api/v1/alliances/ict/criteria-sets").get_json()[0]["id"] == set_id


def test_published_version_never_changes(app, client, world):
    set_id = draft(app, world, publish=True)
    with app.app_context():
        before = [(c.id, c.title, c.position) for c in db.session.get(CriteriaSet, set_id).criteria]
        criterion_id = before[0][0]
    login(client, world.lead)
    token = csrf_token(client, "/alliances/ict/criteria/")
    base = f"/alliances/ict/criteria/{set_id}"
    for path, data in ((f"{base}/criteria/{criterion_id}", criterion_form(code="TS1", title="Changed")),
                       (f"{base}/criteria/new", criterion_form()),
                       (f"{base}/criteria/{criterion_id}/delete", {}),
                       (f"{base}/criteria/{criterion_id}/move/down", {}),
                       (f"{base}/details", {"title": "New title"}),
                       (f"{base}/publish", {})):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 409, path
        assert "never changes" in response.get_data(as_text=True)
    with app.app_context():
        criteria_set = db.session.get(CriteriaSet, set_id)
        assert [(c.id, c.title, c.position) for c in criteria_set.criteria] == before
        assert criteria_set.status == "published"
        with pytest.raises(ops.CriteriaLockedError):
            ops.add_criterion(actor(world.lead), criteria_set, criterion_form(impact_factor=None))


def test_new_version_from_last_and_retiring_the_old(app, client, world):
    first = draft(app, world, publish=True)
    with app.app_context():
        from alliance.models import Alliance

        lead = actor(world.lead)
        second = ops.create_draft(lead, db.session.get(Alliance, world.ict), world.laptops, from_previous=True)
        assert (second.version, second.based_on_id) == (2, first)
        assert [c.code for c in second.criteria] == [c.code for c in db.session.get(CriteriaSet, first).criteria]
        with pytest.raises(ops.CriteriaError, match="still a draft"):
            ops.create_draft(lead, db.session.get(Alliance, world.ict), world.laptops)
        assert ops.publish(lead, second, retire_previous=True) == [first]
        db.session.commit()
        assert db.session.get(CriteriaSet, first).status == "retired"
    html = client.get("/alliances/ict/criteria/").get_data(as_text=True)
    assert "version 2" in html and "version 1" not in html


def test_criterion_rules_refuse_bad_input_and_store_nothing(app, client, world):
    set_id = draft(app, world, keys=())
    login(client, world.lead)
    page = f"/alliances/ict/criteria/{set_id}/criteria/new"
    cases = [
        (criterion_form(impact_factor="0.5", impact_unit="kg CO2e per unit"), "needs the source it is cited from"),
        (criterion_form(type="wish"), "Not a valid choice"),
        (criterion_form(source=""), "Name the source document."),
        (criterion_form(title="t" * 301), "Use at most 300 characters."),
        (criterion_form(code="has space"), "no spaces"),
        (criterion_form(impact_factor="banana"), "Not a valid decimal value"),
        (criterion_form(source_url="javascript:alert(1)"), "starting with http"),
    ]
    for data, message in cases:
        response = client.post(page, data={**data, "csrf_token": csrf_token(client, page)})
        assert response.status_code == 200 and message in response.get_data(as_text=True), message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Criterion)) == 0
    cited = criterion_form(impact_factor="0.5", impact_unit="kg CO2e per unit", impact_source="Study 2023, table 2")
    assert client.post(page, data={**cited, "csrf_token": csrf_token(client, page)}).status_code == 302
    duplicate = client.post(page, data={**criterion_form(title="Other"), "csrf_token": csrf_token(client, page)})
    assert "has a criterion X1 already" in duplicate.get_data(as_text=True)


def test_edit_reorder_remove_and_stale_edit(app, client, world):
    set_id = draft(app, world)
    with app.app_context():
        first, second, *_ = [c.id for c in db.session.get(CriteriaSet, set_id).criteria]
    login(client, world.lead)
    token = csrf_token(client, f"/alliances/ict/criteria/{set_id}")
    base = f"/alliances/ict/criteria/{set_id}/criteria"
    client.post(f"{base}/{first}/move/down", data={"csrf_token": token})
    edit_page = f"{base}/{second}"
    stale = re.search(r'name="fingerprint" type="hidden" value="([^"]+)"', client.get(edit_page).get_data(as_text=True))
    client.post(edit_page, data={**criterion_form(code="TS2", title="Spare parts, edited"),
                                 "fingerprint": stale.group(1), "csrf_token": token})
    late = client.post(edit_page, data={**criterion_form(code="TS2", title="Overwritten"),
                                        "fingerprint": stale.group(1), "csrf_token": token})
    assert "changed this criterion meanwhile" in late.get_data(as_text=True)
    client.post(f"{base}/{first}/delete", data={"csrf_token": token})
    with app.app_context():
        criteria = db.session.get(CriteriaSet, set_id).criteria
        assert criteria[0].id == second and criteria[0].title == "Spare parts, edited"
        assert first not in [c.id for c in criteria]
        assert [c.position for c in criteria] == sorted(c.position for c in criteria)


def test_only_the_alliances_lead_may_change_criteria(app, client, world):
    ict_set = draft(app, world)
    published = draft(app, world, category="monitors", publish=True)
    for who in ("member", "supplier", "health_lead"):
        user = app.test_client()
        login(user, getattr(world, who))
        token = csrf_token(user, "/auth/account")
        assert user.get("/alliances/ict/criteria/new").status_code == 403
        assert user.post(f"/alliances/ict/criteria/{ict_set}/criteria/new",
                         data={**criterion_form(), "csrf_token": token}).status_code == 403
        assert user.post(f"/alliances/ict/criteria/{published}/retire", data={"csrf_token": token}).status_code == 403
        assert user.get(f"/alliances/ict/criteria/{ict_set}").status_code == 404  # drafts are not public
    anonymous = app.test_client()
    assert anonymous.get("/alliances/ict/criteria/new").status_code == 302  # to the login page
    assert anonymous.get(f"/alliances/ict/criteria/{ict_set}").status_code == 404
    # the health lead cannot reach the ICT set through its own alliance's address either
    other = app.test_client()
    login(other, world.health_lead)
    token = csrf_token(other, "/auth/account")
    for path in (f"/alliances/health/criteria/{ict_set}/criteria/new", f"/alliances/health/criteria/{ict_set}/publish",
                 f"/alliances/health/criteria/{published}/retire", f"/alliances/health/criteria/{ict_set}/discard"):
        assert other.post(path, data={**criterion_form(), "csrf_token": token}).status_code == 404, path
    with app.app_context():
        assert db.session.get(CriteriaSet, ict_set).status == "draft"
        assert db.session.get(CriteriaSet, published).status == "published"
        with pytest.raises(ops.CriteriaForbiddenError):
            ops.retire(actor(world.health_lead), db.session.get(CriteriaSet, published))


def test_retired_version_is_public_but_marked(app, client, world):
    set_id = draft(app, world, publish=True)
    login(client, world.lead)
    response = client.post(f"/alliances/ict/criteria/{set_id}/retire",
                           data={"csrf_token": csrf_token(client, f"/alliances/ict/criteria/{set_id}")})
    assert response.status_code == 302
    html = app.test_client().get(f"/alliances/ict/criteria/{set_id}").get_data(as_text=True)
    assert "takes no new pledges" in html
    assert app.test_client().get("/api/v1/alliances/ict").get_json()["criteria_sets"] == []
    again = client.post(f"/alliances/ict/criteria/{set_id}/retire",
                        data={"csrf_token": csrf_token(client, f"/alliances/ict/criteria/{set_id}")})
    assert again.status_code == 409


def test_unknown_category_and_reference_are_refused(app, client, world):
    login(client, world.lead)
    page = "/alliances/ict/criteria/new"
    for data, message in (({"category_id": "999999", "start": "empty"}, "Choose a category"),
                          ({"category_id": world.laptops, "start": "ref:nope"}, "no criteria for this category"),
                          ({"category_id": world.laptops, "start": "previous"}, "no earlier version"),
                          ({"category_id": world.laptops, "start": "empty", "title": "t" * 201},
                           "longer than 200")):
        response = client.post(page, data={**data, "csrf_token": csrf_token(client, page)})
        assert response.status_code == 200 and message in response.get_data(as_text=True), message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaSet)) == 0


def test_api_token_user_sees_same_public_detail(app, client, world):
    draft(app, world, publish=True)
    token = api_token(client, world.supplier)
    detail = client.get("/api/v1/alliances/ict", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert len(detail["criteria_sets"]) == 1 and detail["open_rounds"] == []
    assert client.get("/api/v1/alliances/nope/criteria-sets").get_json()["error"]["code"] == "not_found"


def test_criteria_keep_their_language_and_say_which_it_is(app, client, world):
    set_id = draft(app, world)  # EU GPP, in English
    with app.app_context():
        db.session.get(CriteriaSet, set_id).title = "Laptops"  # the set mixes sources: not titled EU GPP
        db.session.commit()
    login(client, world.lead)
    add = f"/alliances/ict/criteria/{set_id}/criteria/new"
    bad = client.post(add, data={**criterion_form(language="xx"), "csrf_token": csrf_token(client, add)})
    assert bad.status_code == 200 and "Not a valid choice" in bad.get_data(as_text=True)
    swedish = criterion_form(code="SV1", title="Återtagning av förpackningar", text="Leverantören tar tillbaka "
                             "förpackningar.", language="sv")
    assert client.post(add, data={**swedish, "csrf_token": csrf_token(client, add)}).status_code == 302
    client.post(f"/alliances/ict/criteria/{set_id}/publish",
                data={"csrf_token": csrf_token(client, f"/alliances/ict/criteria/{set_id}")})
    page = f"/alliances/ict/criteria/{set_id}"
    french = app.test_client().get(page, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<strong lang="sv">Återtagning av förpackningar</strong> <span class="muted language-note">(en suédois)</span>' in french
    assert '<p lang="sv">Leverantören tar tillbaka förpackningar.</p>' in french
    assert '<strong lang="en">' in french and "(en anglais)" in french  # the EU GPP wording stays English
    english = app.test_client().get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "(in Swedish)" in english and "(in English)" not in english  # said only where it differs
    criteria = app.test_client().get("/api/v1/alliances/ict").get_json()["criteria_sets"][0]["criteria"]
    assert {c["code"]: c["language"] for c in criteria}["SV1"] == "sv"
