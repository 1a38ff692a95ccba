"""End to end in a real browser (Debian's Chromium driven by Playwright): a new buyer joins an alliance.

The test app is served by werkzeug on 127.0.0.1 in a thread; the browser must never talk to another host
(no CDN, no fonts, no analytics).
"""

from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import CHROMIUM
from tests.factories import PASSWORD, add_member, make_alliance, make_organisation, make_user

SCREENSHOT = Path("/tmp/alliance-browser-alliance-page.png")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


def new_page(browser, base_url, hosts):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
    page.set_default_timeout(15_000)
    return page


def log_in(page, email, password=PASSWORD):
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.content()[:2000]


def _confirmation_link(app, email) -> str:
    import sqlalchemy as sa

    from alliance.extensions import db
    from alliance.models import MailMessage
    from tests.membership_helpers import link_in

    with app.app_context():
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.recipient == email))
        return link_in(mail.body_with_secrets(), "/auth/confirm/")


def test_new_buyer_is_verified_joins_and_is_approved(app, live_server, browser):
    alliance_id = make_alliance(app, slug="ict")
    lead_org = make_organisation(app, name="Region Västerdal", country="SE")
    add_member(app, alliance_id, lead_org, role="lead")
    add_member(app, alliance_id, make_organisation(app, name="Gemeente Zuidermeer", country="NL"))
    make_user(app, lead_org, email="lead@ict.example")
    make_user(app, email="admin@platform.example", is_admin=True)
    hosts: set[str] = set()

    buyer = new_page(browser, live_server, hosts)
    buyer.goto("/auth/register")
    buyer.fill("#name", "Ingrid Berg")
    buyer.fill("#email", "ingrid@nordkoping.example")
    buyer.fill("#password", PASSWORD)
    buyer.fill("#confirm", PASSWORD)
    buyer.click("main button[type=submit]")
    buyer.wait_for_load_state()
    buyer.goto(_confirmation_link(app, "ingrid@nordkoping.example"))
    log_in(buyer, "ingrid@nordkoping.example")
    buyer.goto("/organisations/start")
    buyer.fill("#organisation_name", "Nordköpings kommun")
    buyer.select_option("#organisation_kind", "buyer")
    buyer.select_option("#organisation_type", "municipality")
    buyer.select_option("#country", "SE")
    buyer.click("button:has-text('Register the organisation')")
    buyer.wait_for_load_state()
    buyer.goto("/alliances/ict")
    assert "not yet verified" in buyer.inner_text("main")
    assert buyer.locator("button:has-text('Ask to join')").count() == 0

    admin = new_page(browser, live_server, hosts)
    log_in(admin, "admin@platform.example")
    admin.goto("/admin/organisations?status=unverified")
    admin.click("button:has-text('Verify Nordköpings kommun')")
    admin.wait_for_load_state()
    assert "Nordköpings kommun is verified as a public body" in admin.inner_text("main")

    buyer.click("header .account-menu > summary")  # the account menu holds Log out
    buyer.click("header button:has-text('Log out')")
    buyer.wait_for_load_state()
    log_in(buyer, "ingrid@nordkoping.example")
    buyer.goto("/alliances/ict")
    buyer.click("button:has-text('Ask to join')")
    buyer.wait_for_load_state()
    assert "Your request to join" in buyer.inner_text("main")

    lead = new_page(browser, live_server, hosts)
    log_in(lead, "lead@ict.example")
    lead.goto("/alliances/ict")
    lead.click("button:has-text('Approve Nordköpings kommun')")
    lead.wait_for_load_state()
    assert "Nordköpings kommun is now a member" in lead.inner_text("main")

    buyer.goto("/alliances/ict")
    members = buyer.locator("section[aria-labelledby=members-heading] tbody")
    assert "Nordköpings kommun" in members.inner_text() and "Sweden" in members.inner_text()
    assert "is a member of this alliance" in buyer.inner_text("main")

    lead.goto("/alliances/ict")
    lead.screenshot(path=str(SCREENSHOT), full_page=True)
    assert hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {hosts}"
