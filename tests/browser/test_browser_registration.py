"""End to end in a real browser: a stranger registers, confirms the mailed link, finds the organisation,
asks to join; the organisation's admin approves; the new member then sees the organisation's pledges."""

import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import MailMessage
from tests.browser.test_browser_flows import (
    log_in,
    new_page,
    pytestmark,  # noqa: F401 (browser marker, Chromium check)
)
from tests.factories import PASSWORD, make_organisation, make_user
from tests.membership_helpers import link_in, set_role


def _confirmation_link(app, email) -> str:
    with app.app_context():
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.recipient == email)
                                 .order_by(MailMessage.id.desc()))
        return link_in(mail.body_with_secrets(), "/auth/confirm/")


def test_register_confirm_search_request_and_get_approved(app, live_server, browser):
    org_id = make_organisation(app, name="Region Västerdal", country="SE")
    make_organisation(app, name="Region Östmark", country="SE")
    set_role(app, make_user(app, org_id, email="admin@vasterdal.example"), "admin")
    hosts: set[str] = set()

    person = new_page(browser, live_server, hosts)
    person.goto("/auth/register")
    assert "Region Västerdal" not in person.content()
    person.fill("#name", "Johan Ek")
    person.fill("#email", "johan@vasterdal.example")
    person.fill("#password", PASSWORD)
    person.fill("#confirm", PASSWORD)
    person.click("main button[type=submit]")
    person.wait_for_load_state()
    assert "we mailed a link to johan@vasterdal.example" in person.inner_text("main")

    person.goto(_confirmation_link(app, "johan@vasterdal.example"))
    assert "Your e-mail address is confirmed" in person.inner_text("main")
    log_in(person, "johan@vasterdal.example")
    person.goto("/pledges/")
    assert person.url.endswith("/organisations/start")
    person.fill("#search_name", "västerdal")
    person.select_option("#search_country", "SE")
    person.click("button:has-text('Search')")
    person.wait_for_load_state()
    assert "Region Östmark" not in person.inner_text("main")
    person.fill("input[name=message]", "New in the procurement unit")
    person.click("button:has-text('Ask to join Region Västerdal')")
    person.wait_for_load_state()
    assert "Waiting for approval by Region Västerdal" in person.inner_text("main")

    admin = new_page(browser, live_server, hosts)
    log_in(admin, "admin@vasterdal.example")
    admin.click("header .account-menu > summary")  # the account menu holds Members
    admin.click("header a:has-text('Members')")
    admin.wait_for_load_state()
    assert "New in the procurement unit" in admin.inner_text("main")
    admin.click("button:has-text('Approve Johan Ek')")
    admin.wait_for_load_state()
    assert "The request of Johan Ek is approved" in admin.inner_text("main")

    person.goto("/pledges/")
    assert person.url.endswith("/pledges/")
    assert "Pledges of Region Västerdal" in person.inner_text("main")
    assert hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {hosts}"
