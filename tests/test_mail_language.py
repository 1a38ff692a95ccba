"""Mail and in-app notifications are written in the recipient's language (User.locale, else English),
whoever triggers them and whether or not a request is running; links stay absolute."""

from datetime import date

import sqlalchemy as sa

from alliance.auth import accounts, registration
from alliance.extensions import db
from alliance.models import JoinRequest, MailMessage, Notification, User
from alliance.organisations import invitations
from tests.factories import add_member, make_alliance, make_open_round, make_organisation, make_user
from tests.test_notifications import published_summary, subscribe, supplier


def _speaks(app, user_id, locale):
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def _mail_to(app, email) -> MailMessage:
    with app.app_context():
        [mail] = db.session.scalars(sa.select(MailMessage).where(MailMessage.recipient == email)).all()
        db.session.expunge(mail)
        return mail


def test_a_job_notifies_each_subscriber_in_their_own_language(app):
    world = published_summary(app)
    french, spanish, english = (supplier(app, f"{name}@supplier.test") for name in ("fr", "es", "en"))
    _speaks(app, french, "fr")
    _speaks(app, spanish, "es")  # the English one never chose: English
    for user_id in (french, spanish, english):
        subscribe(app, user_id, sector="ict")
    from workers.notifications import summary_published

    with app.app_context():  # as in the worker: no request, so nobody's browser to ask
        assert summary_published(world["summary_id"]) == 3
        titles = dict(db.session.execute(sa.select(Notification.user_id, Notification.title)).all())
    assert titles[french] == "Nouvelle synthèse de la demande : Laptops 2027: 12 000 units"
    assert titles[spanish] == "Nuevo resumen de demanda: Laptops 2027: 12 000 units"
    assert titles[english] == "New demand summary: Laptops 2027: 12 000 units"
    mail = _mail_to(app, "fr@supplier.test")
    assert mail.subject == titles[french]
    assert "a publié la synthèse de la demande « Laptops 2027: 12 000 units »" in mail.body
    base = app.config["BASE_URL"].rstrip("/")
    assert f"{base}/summaries/s-1/1" in mail.body  # the link stays absolute
    assert f"Choisissez ce dont vous êtes informé : {base}/notifications/preferences" in mail.body
    assert "Choose what you hear about" in _mail_to(app, "en@supplier.test").body


def test_round_closing_reminder_writes_the_date_the_french_way(app):
    alliance_id = make_alliance(app)
    buyer_org = make_organisation(app)
    add_member(app, alliance_id, buyer_org)
    buyer = make_user(app, organisation_id=buyer_org, email="acheteur@ville.test")
    _speaks(app, buyer, "fr")
    make_open_round(app, alliance_id, closes_on=date(2030, 3, 4))
    from alliance.notifications.fanout import round_closing_reminders

    with app.app_context():
        assert round_closing_reminders(today=date(2030, 3, 2)) == 1
        db.session.commit()
    mail = _mail_to(app, "acheteur@ville.test")
    assert "se clôt le 4 mars 2030" in mail.subject
    assert "Vérifiez que vos engagements sont soumis." in mail.body


def test_password_reset_mail_follows_the_account_not_the_page(app):
    user_id = make_user(app, email="usuaria@ciudad.test")
    _speaks(app, user_id, "es")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        accounts.send_reset_mail("usuaria@ciudad.test")
        db.session.commit()
    mail = _mail_to(app, "usuaria@ciudad.test")
    assert mail.subject == "Restablezca su contraseña de alliance"
    assert "Alguien ha pedido restablecer la contraseña" in mail.body
    assert app.config["BASE_URL"].rstrip("/") + "/auth/reset/" in mail.body_with_secrets()
    assert "/auth/reset/" not in mail.readable_body  # the secret link is still withheld from the outbox


def test_registration_confirmation_is_in_the_language_of_the_registration_page(app):
    with app.test_request_context(headers={"Accept-Language": "fr-FR,fr;q=0.9"}):
        registration.register_account("ada@ville.test", "Ada", "a long enough pass phrase 9")
        db.session.commit()
    mail = _mail_to(app, "ada@ville.test")
    assert mail.subject == "Confirmez votre adresse électronique pour alliance"
    assert mail.body.startswith("Bonjour Ada,")
    assert app.config["BASE_URL"].rstrip("/") + "/auth/confirm/" in mail.body_with_secrets()


def test_registering_a_taken_address_warns_its_owner_in_the_owner_language(app):
    owner = make_user(app, email="owner@city.test")
    with app.test_request_context(headers={"Accept-Language": "fr"}):  # someone else, in French
        registration.register_account("owner@city.test", "Mallory", "a long enough pass phrase 9")
        db.session.commit()
    assert _mail_to(app, "owner@city.test").subject == "Someone tried to register with your address"
    assert owner


def test_invitation_uses_the_invitee_account_language_else_the_inviter_page(app):
    org = make_organisation(app, name="Ville de Belrive")
    admin_id = make_user(app, is_admin=True, email="admin@platform.test")
    known = make_user(app, email="known@elsewhere.test")
    _speaks(app, known, "es")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        admin = db.session.get(User, admin_id)
        invitations.invite(admin, org, "new@belrive.test", "member")
        invitations.invite(admin, org, "known@elsewhere.test", "admin")
        db.session.commit()
    new = _mail_to(app, "new@belrive.test")
    assert new.subject == "Test User vous invite à rejoindre Ville de Belrive sur alliance"
    assert "en tant que membre" in new.body and "dans les 7 jours" in new.body
    assert "/organisations/invitation/" in new.body_with_secrets()
    assert "como administrador" in _mail_to(app, "known@elsewhere.test").body


def test_join_request_decision_reaches_a_french_requester_in_french(app):
    from alliance.organisations import notices
    from tests.membership_helpers import make_join_request, make_unattached_user

    org = make_organisation(app, name="Métropole de Belrive")
    requester = make_unattached_user(app, "demandeur@belrive.test")
    _speaks(app, requester, "fr")
    request_id = make_join_request(app, requester, org)
    with app.app_context():
        db.session.get(JoinRequest, request_id).status = "refused"
        assert notices.join_decided(request_id) == 1
        db.session.commit()
    mail = _mail_to(app, "demandeur@belrive.test")
    assert mail.subject == "Votre demande pour rejoindre Métropole de Belrive a été refusée"
