"""Form labels, validation messages and API field errors follow the reader's language; jobs stay English."""

import pytest

from tests.factories import api_token, csrf_token, login, make_pledging_round, make_user, pledge_fields

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


@pytest.fixture
def world(app):
    return make_pledging_round(app)


def _pledge_page(client, world, headers, **fields):
    path = f"/pledges/rounds/{world.round_id}"
    data = {"csrf_token": csrf_token(client, path), **pledge_fields(**fields)}
    return client.post(path, data=data, headers=headers).get_data(as_text=True)


def test_a_french_browser_gets_the_pledge_form_and_its_messages_in_french(app, client, world):
    login(client, world.a)
    form = client.get(f"/pledges/rounds/{world.round_id}", headers=FRENCH).get_data(as_text=True)
    assert "Quantité (unités de la catégorie)" in form and "Trimestre de livraison" in form
    assert "Quantity (units of the category)" not in form
    html = _pledge_page(client, world, FRENCH, quantity="-3", criteria_version="1")
    assert "La quantité ne peut pas être négative." in html
    assert "Cette version des critères est retirée\u00a0; engagez-vous sur la version 2." in html
    english = _pledge_page(client, world, {"Accept-Language": "en"}, quantity="-3")
    assert "The quantity cannot be negative." in english and "Quantity (units of the category)" in english


def test_login_speaks_the_browsers_language(app, client):
    make_user(app, email="langue@example.test")
    page = client.get("/auth/login", headers=FRENCH).get_data(as_text=True)
    assert "Mot de passe" in page
    token = csrf_token(client, "/auth/login")
    wrong = client.post("/auth/login", headers=FRENCH, data={
        "csrf_token": token, "email": "langue@example.test", "password": "not the password at all"})
    assert "Adresse électronique ou mot de passe incorrect." in wrong.get_data(as_text=True)
    empty = client.post("/auth/login", headers=SPANISH, data={"csrf_token": token, "email": "", "password": ""})
    spanish = empty.get_data(as_text=True)
    assert "Contraseña" in spanish and "Este campo es obligatorio." in spanish  # WTForms' own catalogue
    english = client.post("/auth/login", data={"csrf_token": token, "email": "langue@example.test",
                                               "password": "not the password at all"}).get_data(as_text=True)
    assert "Wrong e-mail or password." in english


def test_api_field_errors_follow_accept_language(app, client, world):
    headers = {"Authorization": f"Bearer {api_token(client, world.a)}"}
    body = pledge_fields() | {"round_id": world.round_id, "criteria_version": 2, "quantity": -4,
                              "currency": "SEK", "status": "submitted"}

    def fields(language_headers):
        response = client.post("/api/v1/alliances/ict/pledges", json=body, headers=headers | language_headers)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"  # machine codes and field names never change
        return error["fields"]

    french = fields(FRENCH)
    assert french["quantity"] == ["La quantité ne peut pas être négative."] or \
        french["quantity"] == "La quantité ne peut pas être négative."
    assert "Cette campagne recueille les valeurs estimées en EUR, et non en SEK." in str(french["currency"])
    assert "Esta ronda recoge los valores estimados en EUR, no en SEK." in str(fields(SPANISH)["currency"])
    assert "This round collects estimated values in EUR, not SEK." in str(fields({})["currency"])


def test_messages_made_outside_a_request_stay_english(app):
    from alliance.formatting import parse_money
    from alliance.pledges.validation import parse_quantity

    with app.app_context():  # as in a worker's job: no reader whose language to ask
        with pytest.raises(ValueError, match="The quantity cannot be negative."):
            parse_quantity("-2")
        with pytest.raises(ValueError, match="JPY has 0 decimal places at most."):
            parse_money("12.5", "JPY")
    with app.test_request_context("/", headers=FRENCH):
        with pytest.raises(ValueError, match="EUR a au plus 2 décimales."):
            parse_money("1200.505", "EUR")
        with pytest.raises(ValueError, match="JPY a au plus 0 décimale."):
            parse_money("12.5", "JPY")
