"""Three journeys end to end in Debian's Chromium: a buyer, a lead and a supplier, each at 1280 px with
JavaScript, at 390 px (phone) with JavaScript, and at 1280 px without JavaScript (every page they visit
claims to work without it). axe-core runs on every page visited; screenshots go to test-output/screenshots/.

The world is built with tests/factories.py; compiling signals runs on a real RQ worker (run_worker)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import DemandSummary, Dialogue, MailMessage, Post, User
from alliance.models.base import utcnow
from tests.browser.conftest import CHROMIUM, VARIANTS
from tests.factories import (
    PASSWORD,
    add_member,
    make_organisation,
    make_pledging_round,
    make_published_criteria,
    make_summary,
    make_user,
)
from tests.membership_helpers import link_in, set_role
from tests.test_signals import compile_round, market

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
    pytest.mark.parametrize("variant", list(VARIANTS)),
]


def _open_dialogue(app, world, question: str | None = None) -> tuple[int, int | None]:
    """A dialogue the lead opened on the round; with question, a supplier has asked it. (dialogue, post)"""
    with app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.email == world.lead))
        dialogue = Dialogue(alliance_id=world.alliance_id, round_id=world.round_id, title="Laptops 2027",
                            description="We plan **laptops**.", closes_at=utcnow() + timedelta(days=10),
                            created_by_id=lead.id)
        db.session.add(dialogue)
        db.session.flush()
        post_id = None
        if question:
            supplier = db.session.scalar(sa.select(User).where(User.email == world.supplier))
            post = Post(dialogue_id=dialogue.id, kind="question", author_id=supplier.id,
                        organisation_id=supplier.organisation_id, body=question)
            db.session.add(post)
            db.session.flush()
            post_id = post.id
        db.session.commit()
        return dialogue.id, post_id


def _series_of(app, summary_id: int) -> str:
    with app.app_context():
        return db.session.get(DemandSummary, summary_id).series_id


# 1. A buyer --------------------------------------------------------------------------------------------


def test_buyer_registers_joins_pledges_imports_edits_and_reads_demand(app, visitors, variant):
    world = market(app)  # other buyers' pledges, compiled: the demand the buyer reads at the end
    org_id = make_organisation(app, name="Nordköpings kommun", country="SE")
    org_admin = "admin@nordkoping.example"
    set_role(app, make_user(app, org_id, email=org_admin), "admin")
    summary_id = make_summary(app, world, snapshot_id=compile_round(app, world.round_id))
    email = f"ingrid-{variant}@nordkoping.example"

    buyer = visitors.open("buyer", variant, "buyer")
    buyer.visit("/", "home")
    buyer.click("header a:has-text('Register')", "register-form")
    buyer.page.fill("#name", "Ingrid Berg")
    buyer.page.fill("#email", email)
    buyer.page.fill("#password", PASSWORD)
    buyer.page.fill("#confirm", PASSWORD)
    buyer.click("main button[type=submit]", "registered")
    assert f"we mailed a link to {email}" in buyer.main()
    with app.app_context():
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.recipient == email))
        link = link_in(mail.body_with_secrets(), "/auth/confirm/")
    buyer.visit(link, "confirmed")
    assert "Your e-mail address is confirmed" in buyer.main()
    buyer.log_in(email, PASSWORD)
    buyer.visit("/organisations/start", "start")
    buyer.page.fill("#search_name", "nordköping")
    buyer.page.select_option("#search_country", "SE")
    buyer.click("button:has-text('Search')", "search")
    buyer.page.fill("input[name=message]", "Procurement officer")
    buyer.click("button:has-text('Ask to join Nordköpings kommun')", "asked")
    assert "Waiting for approval by Nordköpings kommun" in buyer.main()

    admin = visitors.open("buyer", variant, "orgadmin")
    admin.log_in(org_admin, PASSWORD)
    admin.account_menu("Members", "members")
    assert "Procurement officer" in admin.main()
    admin.click("button:has-text('Approve Ingrid Berg')", "approved")
    assert "The request of Ingrid Berg is approved" in admin.main()
    admin.menu("Alliances", "alliances")
    admin.click("main a:has-text('ICT alliance')", "alliance")
    admin.click("button:has-text('Ask to join')", "alliance-asked")
    assert "Your request to join" in admin.main()

    lead = visitors.open("buyer", variant, "lead")
    lead.log_in(world.lead, PASSWORD)
    lead.visit("/alliances/ict", "alliance")
    lead.click("button:has-text('Approve Nordköpings kommun')", "member-approved")
    assert "Nordköpings kommun is now a member" in lead.main()

    # Pledge through the form.
    buyer.visit("/", "home-member")
    buyer.menu("My pledges", "pledges")
    assert "Pledges of Nordköpings kommun" in buyer.main()
    buyer.click("main a:has-text('ICT round 2027')", "round")
    buyer.page.select_option("#category", "30213100-6")
    buyer.page.select_option("#criteria_version", "2")
    buyer.page.select_option("#level", "core")
    buyer.page.fill("#quantity", "150")
    buyer.page.fill("#estimated_value", "135000.00")
    buyer.page.select_option("#delivery_quarter", "2027-Q3")
    buyer.page.fill("#country", "SE")
    buyer.click("main button:has-text('Submit')", "pledged")
    assert "Your pledge is submitted" in buyer.main() and "150 units" in buyer.main()
    pledge_path = buyer.page.url.removeprefix(buyer.base_url)

    # Import the round's template as it is.
    buyer.click("main .breadcrumb a:has-text('ICT round 2027')", "round-again")
    buyer.click("main a:has-text('Import many lines')", "import")
    with buyer.page.expect_download() as download:
        buyer.page.click("main a:has-text('Download a CSV template')")
    template = download.value.path()
    buyer.page.set_input_files("#file", template)
    buyer.click("main button[type=submit]", "imported")
    assert re.search(r"\d+ pledges imported", buyer.main()), buyer.main()[:2000]

    # Edit the pledge made through the form.
    buyer.click(f"main a[href='{pledge_path}']", "pledge")
    buyer.page.fill("#quantity", "175")
    buyer.click("main button:text-is('Save')", "edited")
    assert "175 units" in buyer.main()

    # The aggregated demand: the signals dashboard and the published summary.
    buyer.visit("/alliances/ict/signals", "signals")
    assert "ICT round 2027" in buyer.main() and "613" not in buyer.main()
    buyer.menu("Summaries", "summaries")
    buyer.click("main a:has-text('ICT demand 2027')", "summary")
    assert buyer.page.url.endswith(_series_of(app, summary_id)) or "/summaries/" in buyer.page.url
    assert "We will buy laptops." in buyer.main()
    assert visitors.hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {visitors.hosts}"


# 2. A lead ---------------------------------------------------------------------------------------------


def test_lead_approves_compiles_reviews_publishes_and_answers(app, visitors, variant, run_worker):
    world = market(app)
    joining = make_organisation(app, name="Gemeente Zuidermeer", country="NL")
    add_member(app, world.alliance_id, joining, status="pending")
    dialogue_id, question_id = _open_dialogue(app, world, "Do you accept refurbished laptops?")

    lead = visitors.open("lead", variant, "lead")
    lead.log_in(world.lead, PASSWORD)
    lead.menu("Alliances", "alliances")
    lead.click("main a:has-text('ICT alliance')", "alliance")
    lead.click("button:has-text('Approve Gemeente Zuidermeer')", "member-approved")
    assert "Gemeente Zuidermeer is now a member" in lead.main()

    # Compile, and follow the progress page while a real worker runs.
    lead.visit("/alliances/ict/signals", "signals")
    lead.click("main button:has-text('Compile now')", "compiling")
    assert "Compiling signals" in lead.page.inner_text("h1")
    run_worker()
    if lead.javascript:
        lead.page.wait_for_function("() => document.querySelector('h1').textContent.includes('Signals compiled')",
                                    timeout=15_000)
        lead.check("compiled")
    else:
        lead.click("main a:has-text('Check again')", "compiled")
    assert "Signals compiled" in lead.page.inner_text("h1")
    assert "Check again" not in lead.main()

    # Hidden figures: the lead sees Denmark's 613 laptops, marked hidden for everyone else.
    lead.click("main a:has-text('See the signals')", "dashboard")
    dashboard = lead.main()
    assert "613" in dashboard and "hidden: fewer than 3 buyers" in dashboard

    # Publish a summary, through its confirmation page.
    lead.menu("Summaries", "summaries")
    lead.visit("/summaries/manage/new", "summary-new")
    lead.page.fill("#title", "ICT demand 2027")
    lead.page.fill("#narrative", "We **will** buy laptops.")
    lead.page.check("input[name=categories][value='30213100-6']")
    lead.click("main button:has-text('Save the draft')", "summary-draft")
    lead.click("main a:has-text('Publish…')", "summary-confirm")
    lead.click("main button:has-text('Publish')", "summary-published")
    assert "613" not in lead.main()

    # Answer the supplier's question.
    lead.menu("Dialogues", "dialogues")
    lead.click("main a:has-text('Laptops 2027')", "dialogue")
    lead.page.click("main summary:has-text('Answer this question')")
    lead.page.fill(f"#body-answer-{question_id}", "Yes, if they carry the **TCO** label.")
    lead.click("main button:has-text('Publish the answer to everyone')", "answered")
    assert "Yes, if they carry the TCO label." in lead.main()
    assert lead.page.url.split("#")[0].endswith(f"/dialogues/{dialogue_id}")
    assert visitors.hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {visitors.hosts}"


# 3. A supplier -----------------------------------------------------------------------------------------


def test_supplier_subscribes_declares_asks_and_reads_answer_and_summary(app, visitors, variant):
    world = make_pledging_round(app)
    set_id, _ = make_published_criteria(app, world.alliance_id)
    summary_id = make_summary(app, world)
    dialogue_id, _ = _open_dialogue(app, world)

    supplier = visitors.open("supplier", variant, "supplier")
    supplier.log_in(world.supplier, PASSWORD)
    supplier.menu("Subscriptions", "subscriptions")
    supplier.page.select_option("#sector", "ict")
    supplier.click("main button:has-text('Subscribe')", "subscribed")
    assert "You have no subscriptions yet." not in supplier.main()

    supplier.menu("Readiness", "readiness")
    supplier.click(f"main a[href$='/suppliers/declarations/{set_id}']", "declare")
    supplier.page.select_option("#entries-0-status", "meets")
    supplier.page.fill("#entries-0-evidence_label", "TCO Certified")
    supplier.click("main button:has-text('Save readiness')", "declared")
    assert supplier.page.input_value("#entries-0-status") == "meets"

    supplier.menu("Dialogues", "dialogues")
    supplier.click("main a:has-text('Laptops 2027')", "dialogue")
    supplier.page.fill("#body-question-new", "Do you accept refurbished laptops?")
    supplier.click("main button:has-text('Ask')", "asked")
    assert "Do you accept refurbished laptops?" in supplier.main()

    from alliance.dialogues import operations as dialogue_ops

    with app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.email == world.lead))
        dialogue = db.session.get(Dialogue, dialogue_id)
        question = db.session.scalar(sa.select(Post).where(Post.dialogue_id == dialogue_id, Post.kind == "question"))
        dialogue_ops.add_post(lead, dialogue, "answer", "Yes, with a **warranty**.", parent_id=question.id)
        db.session.commit()
    supplier.visit(f"/dialogues/{dialogue_id}", "answer")
    assert "Yes, with a warranty." in supplier.main()

    supplier.menu("Summaries", "summaries")
    supplier.click("main a:has-text('ICT demand 2027')", "summary")
    assert "We will buy laptops." in supplier.main()
    assert re.search(r"12,000|12 000|12000", supplier.main())
    assert _series_of(app, summary_id) in supplier.page.url
    assert visitors.hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {visitors.hosts}"
