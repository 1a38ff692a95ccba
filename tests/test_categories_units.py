"""The CPV 2008 vocabulary as categories, finding one by code or name, the unit each alliance counts a
category in, and UN/CEFACT Rec. 20 units shown to people by name."""

import json
import re

import pytest
import sqlalchemy as sa

from alliance.criteria import categories as category_search
from alliance.criteria import operations as ops
from alliance.extensions import db
from alliance.models import Alliance, AllianceCategory, Category, User
from alliance.reference.loader import DATA_DIR, load_reference
from alliance.units import is_current_unit, unit_name
from tests.factories import add_member, csrf_token, email_of, login, make_alliance, make_organisation, make_user

# Codes and English names of Regulation (EC) No 213/2008 that the project recorded before copying the
# whole list (alliance/data/SOURCES.md): the copied vocabulary must agree with them.
SAMPLE = {
    "30213100-6": "Portable computers", "30213200-7": "Tablet computer", "30213300-8": "Desktop computer",
    "30231310-3": "Flat panel displays", "32250000-0": "Mobile telephones", "33141420-0": "Surgical gloves",
    "18424300-0": "Disposable gloves", "33194120-3": "Infusion supplies", "33141411-4": "Scalpels and blades",
}


def test_the_whole_vocabulary_ships_with_well_formed_codes():
    vocabulary = json.loads((DATA_DIR / "cpv-2008" / "en.json").read_text(encoding="utf-8"))
    assert len(vocabulary) == 9_454
    assert all(re.fullmatch(r"\d{8}-\d", code) for code in vocabulary)
    assert len({code[:8] for code in vocabulary}) == 9_454  # one check digit per code
    assert {code: vocabulary[code] for code in SAMPLE} == SAMPLE
    assert (DATA_DIR / "cpv-2008" / "LICENSE").exists()


@pytest.fixture
def lead(app):
    with app.app_context():
        load_reference()
        db.session.commit()
    alliance_id = make_alliance(app, "ict", "ict")
    org = make_organisation(app, kind="buyer")
    add_member(app, alliance_id, org, role="lead")
    return {"alliance_id": alliance_id, "email": email_of(app, make_user(app, org))}


def test_search_by_name_words_or_code_prefix(app, lead):
    with app.app_context():
        assert [c.cpv_code for c in category_search.search_categories("toner cartridges")] == ["30125100-2"]
        by_code = category_search.search_categories("3021")
        assert by_code and all(c.cpv_code.startswith("3021") for c in by_code)
        assert "39830000-9" in {c.cpv_code for c in category_search.search_categories("cleaning products")}
        assert category_search.search_categories("100%_") == []  # wildcards are matched literally
        assert len(category_search.search_categories("s")) == category_search.SEARCH_LIMIT


def test_lead_finds_a_category_without_javascript_and_chooses_its_unit(app, client, lead):
    login(client, lead["email"])
    page = client.get("/alliances/ict/criteria/new?q=toner").get_data(as_text=True)
    assert "30125100-2 Toner cartridges" in page and 'type="radio"' in page
    with app.app_context():
        toner = db.session.scalar(sa.select(Category.id).where(Category.cpv_code == "30125100-2"))
    path = "/alliances/ict/criteria/new?q=toner"
    response = client.post(path, data={"category_id": toner, "unit": "H87", "start": "empty",
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    draft_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Counted in</dt><dd>pieces</dd>" in draft_page and "H87" not in draft_page
    with app.app_context():
        assert db.session.scalar(sa.select(AllianceCategory.unit).where(
            AllianceCategory.alliance_id == lead["alliance_id"], AllianceCategory.category_id == toner)) == "H87"
    nothing = client.get("/alliances/ict/criteria/new?q=zzzqqq").get_data(as_text=True)
    assert "No CPV code or name matches" in nothing


def test_a_retired_unit_is_refused_with_a_message(app, client, lead):
    login(client, lead["email"])
    with app.app_context():
        toner = db.session.scalar(sa.select(Category.id).where(Category.cpv_code == "30125100-2"))
    path = "/alliances/ict/criteria/new?q=toner"
    page = client.post(path, data={"category_id": toner, "unit": "BX", "start": "empty",
                                   "csrf_token": csrf_token(client, path)}).get_data(as_text=True)
    assert "current UN/CEFACT Recommendation 20 code" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AllianceCategory.id))) == 0


def test_each_alliance_chooses_its_own_unit_and_keeps_it_once_pledged(app):
    from tests.factories import make_pledging_round

    world = make_pledging_round(app)
    other = make_alliance(app, "food", "food")
    with app.app_context():
        laptops = db.session.get(Category, world.laptops_id)
        category_search.set_unit(other, laptops, "KGM")
        category_search.set_unit(world.alliance_id, laptops, "H87")  # no pledges yet: may change
        db.session.commit()
        assert category_search.unit_for(other, laptops) == "KGM"
        assert category_search.unit_for(world.alliance_id, laptops) == "H87"
    from tests.factories import make_submitted_pledge

    make_submitted_pledge(app, world.round_id, world.a_org, world.sets["30213100-6/v2"])
    with app.app_context():
        laptops = db.session.get(Category, world.laptops_id)
        with pytest.raises(ValueError, match="already has pledges counted in pieces"):
            category_search.set_unit(world.alliance_id, laptops, "PR")
        category_search.set_unit(world.alliance_id, laptops, "H87")  # the same unit again is fine
        category_search.set_unit(other, laptops, "PR")  # the other alliance has no pledges


def test_unit_names_replace_codes(app):
    from alliance.language import quantity

    assert (unit_name("C62"), unit_name("H87"), unit_name("PR"), unit_name("KGM")) == \
        ("units", "pieces", "pairs", "kilograms")
    assert unit_name("MTQ") == "cubic metres" and unit_name("") == "units"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert quantity(15020, "C62") == "15,020 units"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert quantity(15020, "C62") == "15\u202f020 unités"  # a page in French: its grouping and unit name
    assert not is_current_unit("BX") and not is_current_unit("PK")  # deleted in Rec. 20
    assert is_current_unit("C62") and is_current_unit("PR") and is_current_unit("H87")


def test_no_template_shows_a_bare_unit_code():
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    # {{ category.unit }} or {{ t.unit }} without |unit_name (impact rows' "unit" is a cited factor's own unit)
    bare = re.compile(r"\{\{[^}|]*\b(category|t)\.unit\s*\}\}")
    offenders = [str(path) for path in templates.rglob("*.html") if bare.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_publish_refuses_contradictory_alternatives_until_the_lead_chooses(app, client, lead):
    with app.app_context():
        alliance = db.session.get(Alliance, lead["alliance_id"])
        actor = db.session.scalar(sa.select(User).where(User.email == lead["email"]))
        laptops = db.session.scalar(sa.select(Category.id).where(Category.cpv_code == "30213100-6"))
        draft = ops.create_draft(actor, alliance, laptops, reference_keys=["upphandlingsmyndigheten-it-equipment"])
        db.session.commit()
        set_id = draft.id
        rivals = [c for c in draft.criteria if c.topic == "warranty"]
        assert {c.code for c in rivals} >= {"11184:1", "OWN-UHM-WARRANTY", "OWN-UHM-GUARANTEE-ADV"}
        rival_ids = [c.id for c in rivals]
    login(client, lead["email"])
    show = f"/alliances/ict/criteria/{set_id}"
    page = client.get(show).get_data(as_text=True)
    assert "cannot be published yet" in page and "alternatives on the topic &#39;warranty&#39;" in page
    response = client.post(f"{show}/publish", data={"csrf_token": csrf_token(client, show)}, follow_redirects=True)
    assert "contradict each other" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ops.CriteriaSet, set_id).status == "draft"
    for criterion_id in rival_ids[1:]:
        client.post(f"{show}/criteria/{criterion_id}/delete", data={"csrf_token": csrf_token(client, show)})
    client.post(f"{show}/publish", data={"csrf_token": csrf_token(client, show)})
    with app.app_context():
        assert db.session.get(ops.CriteriaSet, set_id).status == "published"


def test_a_set_named_eu_gpp_holds_eu_gpp_criteria_only(app, lead):
    with app.app_context():
        alliance = db.session.get(Alliance, lead["alliance_id"])
        actor = db.session.scalar(sa.select(User).where(User.email == lead["email"]))
        laptops = db.session.scalar(sa.select(Category.id).where(Category.cpv_code == "30213100-6"))
        draft = ops.create_draft(actor, alliance, laptops, reference_keys=[
            "eu-gpp-computers-monitors-tablets-smartphones", "upphandlingsmyndigheten-it-equipment"])
        assert "EU GPP" not in draft.title  # a mixed set is not named after one source
        ops.update_details(actor, draft, "Laptops: EU GPP criteria", "")
        with pytest.raises(ops.CriteriaError, match="title says EU GPP, but .*11169"):
            ops.publish(actor, draft)
        db.session.rollback()
