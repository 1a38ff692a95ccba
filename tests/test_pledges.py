"""Pledges: the domain rules (validation, versions, revisions, rounds) and the web pages per role."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandRound, PendingJob, Pledge, PledgeRevision, User
from alliance.pledges import access
from alliance.pledges import operations as ops
from alliance.pledges.validation import PledgeInvalidError, RoundClosedError
from tests.factories import csrf_token, login, make_pledging_round, pledge_fields


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def _count(model=Pledge):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def world(app):
    return make_pledging_round(app)


def _new(actor, round_id, fields, status="draft"):
    """Create as a page does: load the round for the actor, check the right to pledge, then operate."""
    loaded = access.load_round(actor, round_id)
    loaded.check_may_pledge()
    return ops.create_pledge(actor, loaded.context, fields, status=status)


def _change(operation, actor, pledge_id, *args, **kwargs):
    """Change as a page does: load the pledge for the actor, check the right to change it, then operate."""
    loaded = access.load_pledge(actor, pledge_id)
    loaded.check_may_change()
    return operation(actor, loaded.pledge, loaded.context, *args, **kwargs)


def _create(app, world, email="a", status="submitted", **changes):
    with app.app_context():
        pledge = _new(_user(world[email]), world.round_id, pledge_fields(**changes), status=status)
        db.session.commit()
        return pledge.id


# --- domain ------------------------------------------------------------------------------------------------

def test_create_keeps_a_revision_and_requests_a_compile(app, world):
    pledge_id = _create(app, world, quantity="1,500", estimated_value="1 350 000.50")
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert (pledge.quantity, pledge.value_minor, pledge.status, pledge.version) == (1500, 135000050, "submitted", 1)
        assert pledge.criteria_set_id == world.sets["30213100-6/v2"] and pledge.region == "SE110"
        [revision] = ops.revisions(pledge_id)
        assert revision.action == "submitted" and revision.data["quantity"] == 1500
        assert revision.changed_by.email == world.a
        assert db.session.scalar(sa.select(PendingJob.job_id)) == f"compile_signals-round-{world.round_id}"


def test_blank_criteria_version_means_latest_published(app, world):
    pledge_id = _create(app, world, criteria_version="")
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).criteria_set.version == 2


@pytest.mark.parametrize("typed", ["1234.50", "1,234.50", "1.234,50", "1 234,50", "1234,5", "1\u202f234,50"])
def test_amounts_typed_the_english_or_the_european_way_are_read_alike(app, world, typed):
    with app.app_context():
        pledge = _new(_user(world.a), world.round_id, pledge_fields(estimated_value=typed))
        assert pledge.value_minor == 123450
        db.session.rollback()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"quantity": "0"}, "quantity", "at least 1"),
    ({"quantity": "-5"}, "quantity", "cannot be negative"),
    ({"quantity": "2.5"}, "quantity", "whole number"),
    ({"quantity": "10000000000000"}, "quantity", "too large"),
    ({"quantity": "lots"}, "quantity", "not a number"),
    ({"quantity": ""}, "quantity", "Give a quantity"),
    ({"currency": "EUX"}, "currency", "not an ISO 4217 currency code"),
    ({"currency": "USD"}, "currency", "in EUR, not USD"),
    ({"estimated_value": "abc"}, "estimated_value", "not an amount"),
    ({"estimated_value": "-3"}, "estimated_value", "zero or more"),
    ({"estimated_value": "١٢٣"}, "estimated_value", "digits 0-9"),
    ({"estimated_value": "1.234.5"}, "estimated_value", "not an amount"),
    ({"estimated_value": "1200.505"}, "estimated_value", "2 decimal places at most"),
    ({"delivery_quarter": "2026-Q4"}, "delivery_quarter", "outside the round's delivery horizon (2027-Q1 to 2028-Q4)"),
    ({"delivery_quarter": "Q3 2027"}, "delivery_quarter", "YYYY-Qn"),
    ({"country": "XX"}, "country", "ISO 3166"),
    ({"region": "DE21"}, "region", "not in SE"),
    ({"country": "GR", "region": "GR30"}, "region", "not in GR"),
    ({"region": "SE" + "1" * 20}, "region", "up to 16"),
    ({"level": "gold"}, "level", "core or comprehensive"),
    ({"category": "33141420-0"}, "category", "not one of this round's categories"),
    ({"criteria_version": "1"}, "criteria_version", "this criteria version is retired; pledge to version 2"),
    ({"criteria_version": "3"}, "criteria_version", "no published criteria version 3; pledge to version 2"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(app, world, changes, field, message):
    with app.app_context():
        with pytest.raises(PledgeInvalidError) as caught:
            _new(_user(world.a), world.round_id, pledge_fields(**changes))
        assert message.lower() in caught.value.fields[field].lower()
        db.session.rollback()
        assert _count() == 0 and _count(PledgeRevision) == 0 and _count(PendingJob) == 0


@pytest.mark.parametrize(("who", "message"), [
    ("outsider", "not a member"), ("supplier", "Only public buyer organisations"), ("unverified", "verified"),
])
def test_only_verified_member_buyers_pledge(app, world, who, message):
    with app.app_context():
        with pytest.raises(ops.PledgingForbiddenError, match=message) as caught:
            _new(_user(world[who]), world.round_id, pledge_fields())
        assert caught.value.status == 403
        db.session.rollback()
        assert _count() == 0


@pytest.mark.parametrize(("change", "message"), [
    ({"status": "closed"}, "is closed"), ({"status": "draft"}, "not open yet"),
    ({"closes_on": date.today() - timedelta(days=1)}, "closed on"),
    ({"opens_on": date.today() + timedelta(days=1)}, "opens on"),
])
def test_no_pledge_change_outside_an_open_round(app, world, change, message):
    pledge_id = _create(app, world)
    with app.app_context():
        db.session.execute(sa.update(DemandRound).values(**change))
        db.session.commit()
        actor = _user(world.a)
        for attempt in (lambda: _new(actor, world.round_id, pledge_fields()),
                        lambda: _change(ops.update_pledge, actor, pledge_id, 1, {"quantity": "9"}),
                        lambda: _change(ops.withdraw_pledge, actor, pledge_id, 1)):
            with pytest.raises(RoundClosedError, match=message) as caught:
                attempt()
            assert (caught.value.status, caught.value.code) == (422, "round_closed")
            db.session.rollback()
        pledge = db.session.get(Pledge, pledge_id)
        assert (pledge.quantity, pledge.status, _count()) == (150, "submitted", 1)


def test_update_with_stale_version_changes_nothing(app, world):
    pledge_id = _create(app, world)
    with app.app_context():
        colleague = _user(world.a2)
        _change(ops.update_pledge, colleague, pledge_id, 1, {"quantity": "200"})
        db.session.commit()
        with pytest.raises(ops.StaleVersionError):
            _change(ops.update_pledge, _user(world.a), pledge_id, 1, {"quantity": "999"})
        db.session.rollback()
        pledge = db.session.get(Pledge, pledge_id)
        assert (pledge.quantity, pledge.version) == (200, 2)
        assert [r.action for r in ops.revisions(pledge_id)] == ["updated", "submitted"]
        assert ops.revisions(pledge_id)[0].changed_by.email == world.a2


def test_draft_submit_and_withdraw(app, world):
    pledge_id = _create(app, world, status="draft")
    with app.app_context():
        actor = _user(world.a)
        _change(ops.submit_pledge, actor, pledge_id, 1)
        _change(ops.withdraw_pledge, actor, pledge_id, 2)
        db.session.commit()
        with pytest.raises(PledgeInvalidError, match="withdrawn"):
            _change(ops.update_pledge, actor, pledge_id, 3, {"quantity": "9"})
        db.session.rollback()
        assert [r.action for r in ops.revisions(pledge_id)] == ["withdrawn", "submitted", "created"]


def test_pledge_keeps_its_version_when_retired_but_a_draft_cannot_be_submitted_on_it(app, world):
    pledge_id = _create(app, world, status="draft")
    with app.app_context():
        from alliance.models import CriteriaSet

        db.session.get(CriteriaSet, world.sets["30213100-6/v2"]).status = "retired"
        db.session.get(CriteriaSet, world.sets["30213100-6/v3"]).status = "published"
        db.session.commit()
        actor = _user(world.a)
        _change(ops.update_pledge, actor, pledge_id, 1, {"quantity": "300"})
        with pytest.raises(PledgeInvalidError, match="retired; pledge to version 3"):
            _change(ops.submit_pledge, actor, pledge_id, 2)


def test_lead_sees_but_does_not_edit_and_others_do_not_see(app, world):
    pledge_id = _create(app, world)
    with app.app_context():
        assert access.visible_pledge(_user(world.lead), pledge_id).id == pledge_id
        assert access.visible_pledge(_user(world.a2), pledge_id).id == pledge_id
        with pytest.raises(ops.PledgeReadOnlyError):
            _change(ops.update_pledge, _user(world.lead), pledge_id, 1, {"quantity": "1"})
        for other in ("b", "supplier", "outsider"):
            with pytest.raises(ops.PledgeNotFoundError):
                access.visible_pledge(_user(world[other]), pledge_id)


def test_round_totals_are_per_category_of_submitted_pledges(app, world):
    _create(app, world, quantity="100", estimated_value="1000")
    _create(app, world, email="b", quantity="50", estimated_value="500")
    _create(app, world, email="b", status="draft", quantity="7")
    _create(app, world, email="b", category="30231310-3", criteria_version="1", quantity="30")
    with app.app_context():
        totals = {row.cpv_code: row for row in ops.round_totals(world.round_id)}
        assert (totals["30213100-6"].buyers, totals["30213100-6"].quantity) == (2, 150)
        assert totals["30213100-6"].value_minor == 150000 and totals["30231310-3"].pledges == 1


# --- web pages ---------------------------------------------------------------------------------------------

def _post_form(client, path, **fields):
    data = {"csrf_token": csrf_token(client, path), **fields}
    return client.post(path, data=data)


def test_buyer_creates_a_pledge_through_the_form(app, client, world):
    login(client, world.a)
    path = f"/pledges/rounds/{world.round_id}"
    response = _post_form(client, path, action="submit", **pledge_fields(quantity="400"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your pledge is submitted." in page and "400 units" in page and "C62" not in page and "135,000.00 EUR" in page
    mine = client.get("/pledges/").get_data(as_text=True)
    assert "Portable computers" in mine and "ICT round 2027" in mine


def test_form_shows_field_messages_and_stores_nothing(app, client, world):
    login(client, world.a)
    response = _post_form(client, f"/pledges/rounds/{world.round_id}",
                          **pledge_fields(quantity="-3", currency="EUX", criteria_version="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The quantity cannot be negative." in html and "not an ISO 4217 currency code" in html
    assert "This criteria version is retired; pledge to version 2." in html
    with app.app_context():
        assert _count() == 0


def test_form_without_csrf_is_refused(app, client, world):
    login(client, world.a)
    response = client.post(f"/pledges/rounds/{world.round_id}", data=pledge_fields())
    assert response.status_code == 400
    with app.app_context():
        assert _count() == 0


def test_stale_form_edit_shows_current_version_and_overwrites_nothing(app, world):
    pledge_id = _create(app, world)
    first, second = app.test_client(), app.test_client()
    login(first, world.a)
    login(second, world.a2)
    path = f"/pledges/{pledge_id}"
    token_first, token_second = csrf_token(first, path), csrf_token(second, path)
    assert second.post(path, data={"csrf_token": token_second, "version": "1",
                                   **pledge_fields(quantity="222")}).status_code == 302
    response = first.post(path, data={"csrf_token": token_first, "version": "1", **pledge_fields(quantity="999")})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone in your organisation changed this pledge since you opened it" in html
    assert 'value="222"' in html and 'name="version" type="hidden" value="2"' in html
    conflict = " ".join(html.split("Your change was not saved", 1)[1].split("History", 1)[0].split())
    assert "<td>222</td> <td>999 <span" in conflict and "differs" in conflict  # current beside what was typed
    assert "<td>Core</td> <td>Core</td>" in conflict  # a choice by its name, not its code
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).quantity == 222


def test_withdrawing_asks_first_then_a_withdrawn_pledge_can_be_reinstated(app, client, world):
    pledge_id = _create(app, world)
    login(client, world.a)
    page = client.get(f"/pledges/{pledge_id}").get_data(as_text=True)
    assert f'href="/pledges/{pledge_id}/withdraw"' in page
    confirm = client.get(f"/pledges/{pledge_id}/withdraw")
    assert confirm.status_code == 200 and "Withdraw this pledge?" in confirm.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "submitted"  # asking changes nothing
    _post_form(client, f"/pledges/{pledge_id}/withdraw", version="1")
    page = client.get(f"/pledges/{pledge_id}").get_data(as_text=True)
    assert "Reinstate as a draft" in page
    response = _post_form(client, f"/pledges/{pledge_id}/reinstate", version="2")
    assert "The pledge is back as a draft" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert pledge.status == "draft" and ops.revisions(pledge_id)[0].action == "reinstated"
    assert _post_form(client, f"/pledges/{pledge_id}/reinstate", version="3").status_code == 302
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "draft"  # only a withdrawn pledge is reinstated


def test_other_organisations_cannot_open_the_withdraw_page(app, client, world):
    pledge_id = _create(app, world)
    login(client, world.b)
    assert client.get(f"/pledges/{pledge_id}/withdraw").status_code == 404


def test_criteria_version_is_chosen_from_the_rounds_published_versions(app, client, world):
    login(client, world.a)
    html = client.get(f"/pledges/rounds/{world.round_id}").get_data(as_text=True)
    select = html.split('name="criteria_version"', 1)[1].split("</select>", 1)[0]
    assert "The latest published version" in select
    assert "Version 2: Portable computers" in select and "Version 1: Flat panel displays" in select
    assert "Version 3" not in select and "Version 1: Portable computers" not in select  # draft, retired


def test_withdraw_button_and_history(app, client, world):
    pledge_id = _create(app, world)
    login(client, world.a2)
    response = _post_form(client, f"/pledges/{pledge_id}", version="1", **pledge_fields(quantity="160"))
    assert response.status_code == 302
    token = csrf_token(client, f"/pledges/{pledge_id}")
    response = client.post(f"/pledges/{pledge_id}/withdraw", data={"csrf_token": token, "version": "2"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The pledge is withdrawn." in html
    history = html.split("History", 1)[1]
    assert [a for a in ("withdrawn", "updated", "submitted") if a in history] == ["withdrawn", "updated", "submitted"]
    assert "Withdraw the pledge" not in html


@pytest.mark.parametrize("who", ["b", "supplier", "outsider", None])
def test_other_roles_get_404_for_a_pledge_and_see_nothing(app, client, world, who):
    pledge_id = _create(app, world, quantity="4321")
    if who:
        login(client, world[who])
    # The pledge's existence is confidential (404); the open round is public, its lead's table is not (403).
    for path, refused in ((f"/pledges/{pledge_id}", 404), (f"/pledges/rounds/{world.round_id}/all", 403)):
        response = client.get(path)
        assert response.status_code == (refused if who else 302), path
    token = csrf_token(client, "/alliances/" if who else "/auth/login")
    assert client.post(f"/pledges/{pledge_id}/withdraw", data={"csrf_token": token, "version": "1"}).status_code in (
        404 if who else 302,)
    if who:
        assert "4321" not in client.get("/pledges/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "submitted"


def test_lead_sees_all_pledges_with_sql_totals_read_only(app, client, world):
    pledge_a = _create(app, world, quantity="100", estimated_value="90000")
    _create(app, world, email="b", quantity="250", estimated_value="200000")
    login(client, world.lead)
    html = client.get(f"/pledges/rounds/{world.round_id}/all").get_data(as_text=True)
    assert "A org" in html and "B org" in html and "350 units" in html and "290,000.00 EUR" in html
    page = client.get(f"/pledges/{pledge_a}").get_data(as_text=True)
    assert "only A org" in page and 'name="quantity"' not in page
    response = _post_form(client, f"/pledges/{pledge_a}", version="1", **pledge_fields(quantity="1"))
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Pledge, pledge_a).quantity == 100


def test_pages_past_the_end_are_404_not_a_database_error(app, client, world):
    _create(app, world)
    login(client, world.lead)
    assert client.get(f"/pledges/rounds/{world.round_id}/all?page=2").status_code == 404
    assert client.get(f"/pledges/rounds/{world.round_id}/all?page={2**62}").status_code == 404
    buyer = app.test_client()
    login(buyer, world.a)
    assert buyer.get("/pledges/?page=1").status_code == 200
    assert buyer.get(f"/pledges/?page={2**62}").status_code == 404


def test_closed_round_page_has_no_form(app, client, world):
    with app.app_context():
        db.session.execute(sa.update(DemandRound).values(status="closed"))
        db.session.commit()
    login(client, world.a)
    html = client.get(f"/pledges/rounds/{world.round_id}").get_data(as_text=True)
    assert "closed; its pledges are frozen" in html and 'name="quantity"' not in html


def test_supplier_cannot_post_a_pledge(app, client, world):
    login(client, world.supplier)
    token = csrf_token(client, "/alliances/")
    response = client.post(f"/pledges/rounds/{world.round_id}", data={"csrf_token": token, **pledge_fields()})
    assert response.status_code == 403
    with app.app_context():
        assert _count() == 0


# --- demo ----------------------------------------------------------------------------------------------------

def test_demo_pledges_are_realistic_idempotent_and_leave_suppressed_cells(app):
    from alliance.demo import organisations, pledges, reference, rounds

    with app.app_context():
        for _ in range(2):
            for step in (organisations, reference, rounds, pledges):
                step.load()
                db.session.commit()
        ict = (sa.select(Pledge).join(DemandRound).join(DemandRound.alliance)
               .where(DemandRound.alliance.has(slug="ict"), Pledge.status == "submitted"))
        rows = db.session.scalars(ict).all()
        assert len({p.organisation_id for p in rows}) >= 10 and len({p.country for p in rows}) >= 8
        laptops = [p for p in rows if p.category.cpv_code == "30213100-6"]
        assert all(800 <= p.value_minor / 100 / p.quantity <= 1200 for p in laptops)
        assert all(150 <= p.quantity <= 4000 for p in rows)
        phones = {p.organisation_id for p in rows if p.category.cpv_code == "32250000-0" and p.delivery_quarter == "2027-Q4"}
        assert len(phones) == 2  # fewer than k = 3 buyers: suppressed
        tablets = [p.quantity for p in rows if p.category.cpv_code == "30213200-7" and p.delivery_quarter == "2027-Q2"]
        assert len(tablets) >= 3 and max(tablets) / sum(tablets) > 0.8  # one buyer dominates: suppressed
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Pledge.round_id)))) == 2
        assert _count(PledgeRevision) == _count()



# --- an amount in a three-decimal currency, saved again from its own edit form ------------------------------

def _unchanged_form(html: str) -> dict:
    """What a browser sends when the page's pledge form is submitted as shown."""
    form = next(f for f in re.findall(r"<form.*?</form>", html, re.S) if 'name="estimated_value"' in f)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option(?=[^>]*selected)[^>]*value="([^"]*)"', options) or \
            re.search(r'<option[^>]*value="([^"]*)"', options)
        fields[name] = unescape(chosen.group(1))
    return fields


@pytest.mark.parametrize(("locale", "shown"), [("en", "1.001"), ("fr", "1,001"), ("es", "1,001")])
def test_a_three_decimal_amount_is_saved_again_unchanged_from_its_edit_form(app, client, locale, shown):
    world = make_pledging_round(app, currency="KWD")
    pledge_id = _create(app, world, currency="KWD", estimated_value="2")
    with app.app_context():
        db.session.get(Pledge, pledge_id).value_minor = 1001  # 1.001 KWD: a lone mark before three digits
        _user(world.a).locale = locale
        db.session.commit()
    login(client, world.a)
    fields = _unchanged_form(client.get(f"/pledges/{pledge_id}").get_data(as_text=True))
    assert fields["estimated_value"] == shown  # in the reader's own decimal mark
    response = client.post(f"/pledges/{pledge_id}", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).value_minor == 1001
        assert ops.revisions(pledge_id)[0].data["value_minor"] == 1001
