"""The OCDS export: valid OCDS 1.1.5 plus the sustainability extension (checked by jsonschema and by the Open
Contracting Partnership's libcoveocds, offline), only public figures, signatory buyers as parties, a
withdrawal recorded as a release, compilable with `ocdskit compile`, and nothing until OCDS is configured."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from alliance.extensions import db
from alliance.models import Criterion, DemandSummary, Organisation, User
from alliance.statements import operations as statements
from tests.factories import (
    SUPPRESSED_FIGURES,
    csrf_token,
    email_of,
    login,
    make_pledging_round,
    make_submitted_pledge,
    make_summary,
)
from tests.ocds_validation import EXTENSION_DIR, cove_errors

# The official OCDS 1.1.5 schemas (Apache 2.0, LICENSE beside them), copied from the project's shared
# reference data so the suite validates offline on any clone.
SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "ocds-1.1.5"
HIDDEN = {value for figures in SUPPRESSED_FIGURES.values() for value in figures.values()}


def _merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch, as OCDS extensions patch the release schema."""
    if not isinstance(patch, dict):
        return patch
    target = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = _merge_patch(target.get(key), value)
    return target


@pytest.fixture(scope="module")
def patched_release_schema() -> dict:
    core = json.loads((SCHEMA_DIR / "release-schema.json").read_text())
    return _merge_patch(core, json.loads((EXTENSION_DIR / "release-schema.json").read_text()))


@pytest.fixture(scope="module")
def validator(patched_release_schema):
    package_schema = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text())
    resource = Resource.from_contents(patched_release_schema, default_specification=DRAFT4)
    return Draft4Validator(package_schema,
                           registry=Registry().with_resources([(patched_release_schema["id"], resource)]))


def _scalars(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    else:
        yield value


def _sign(app, world, emails, identifiers=None):
    """Publish the round's joint statement (one commitment) and sign it as each e-mail's organisation."""
    with app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.email == world.lead))
        statement = statements.create_draft(lead, world.round_id)
        statements.update_draft(lead, statement.id, statement.version, statements.StatementFields(
            title="Joint statement", statement_date=statement.statement_date,
            commitments=[statements.CommitmentInput(world.sets["30213100-6/v2"], 50, "comprehensive", 2027)]))
        statements.publish(lead, statement.id, statement.version)
        for email in emails:
            signer = db.session.scalar(sa.select(User).where(User.email == email))
            statements.sign(signer, statement.id)
        for organisation_id, (scheme, identifier) in (identifiers or {}).items():
            organisation = db.session.get(Organisation, organisation_id)
            organisation.identifier_scheme, organisation.identifier = scheme, identifier
        db.session.commit()


def _package(app, client, signers=("a",), identifiers=None):
    world = make_pledging_round(app)
    with app.app_context():
        criteria_set_id = world.sets["30213100-6/v2"]
        db.session.add_all([
            Criterion(criteria_set_id=criteria_set_id, code="TS1", title="Extended service agreement", text="…",
                      type="specification", level="core", source="EU GPP criteria for computers (2021)"),
            Criterion(criteria_set_id=criteria_set_id, code="AC1", title="Energy", text="…", type="award",
                      level="comprehensive", source="TCO Certified, generation 9"),
        ])
        db.session.commit()
    make_submitted_pledge(app, world.round_id, world.a_org, world.sets["30213100-6/v2"], quantity=5555)
    make_submitted_pledge(app, world.round_id, world.b_org, world.sets["30213100-6/v2"], quantity=4444)
    _sign(app, world, [world[name] for name in signers],
          {world[key]: value for key, value in (identifiers or {}).items()})
    summary_id = make_summary(app, world)
    response = client.get(f"/api/v1/summaries/{summary_id}.ocds.json")
    assert response.status_code == 200
    return world, summary_id, response


def test_release_package_is_valid_ocds_with_its_extension(app, client, validator):
    world, summary_id, response = _package(app, client)
    package = response.get_json()
    errors = sorted(validator.iter_errors(package), key=lambda error: list(error.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    cove = cove_errors(package)
    assert cove["validation_errors"] == [] and cove["extensions"]["invalid_extension"] == {}
    assert cove["extensions"]["is_extended_schema"] and cove["additional_fields"] == []
    assert cove["additional_closed_codelist_values"] == {}
    assert package["license"] == app.config["OCDS_LICENSE"]
    assert package["publicationPolicy"] == app.config["OCDS_PUBLICATION_POLICY"]
    release = package["releases"][0]
    assert release["ocid"] == f"ocds-test00-{_series_id(app, summary_id)}"
    assert release["tag"] == ["planning"] and release["initiationType"] == "tender"
    items = {item["id"]: item for item in release["tender"]["items"]}
    laptops = items["30213100-6"]
    assert laptops["classification"] == {"scheme": "CPV", "id": "30213100", "description": "Portable computers"}
    assert laptops["unit"] == {"scheme": "UNCEFACT", "id": "C62", "name": "one"}
    assert laptops["quantity"] == 12000
    assert "quantity" not in items["30231310-3"]  # suppressed: left out, never 0
    assert "budget" not in release["planning"]  # the public total is withheld in this snapshot
    entries = release["tender"]["sustainability"]
    assert {entry["description"].split(":")[0] for entry in entries} == {"Item 30213100-6 (Portable computers)"}
    strategies = [entry["strategies"] for entry in entries]
    assert ["technicalSpecifications", "euGPPCriteria"] in strategies
    assert ["awardCriteria", "otherGPPCriteria"] in strategies
    assert package["extensions"][0].endswith("ocds_sustainability_extension/master/extension.json")


def test_repeated_criteria_are_unique_entries_each_naming_its_item(app, client):
    """The same criterion in the laptops and the monitors set (EU GPP covers both) was two identical entries,
    which the extension's uniqueItems rejects; now each entry names the item it applies to."""
    world = make_pledging_round(app)
    with app.app_context():
        for key in ("30213100-6/v2", "30231310-3/v1"):
            db.session.add(Criterion(criteria_set_id=world.sets[key], code="TS1", title="Warranty", text="…",
                                     type="clause", level="core", source="EU GPP criteria for computers (2021)"))
        db.session.commit()
    summary_id = make_summary(app, world, criteria_set_ids=[world.sets["30213100-6/v2"],
                                                            world.sets["30231310-3/v1"]])
    package = client.get(f"/api/v1/summaries/{summary_id}.ocds.json").get_json()
    entries = package["releases"][0]["tender"]["sustainability"]
    assert len(entries) == 2 and len({json.dumps(entry, sort_keys=True) for entry in entries}) == 2
    assert {entry["description"].split(" (")[0] for entry in entries} == {"Item 30213100-6", "Item 30231310-3"}
    assert cove_errors(package)["validation_errors"] == []


def test_parties_are_the_statement_signatories_as_buyers_without_volumes(app, client):
    world, summary_id, response = _package(app, client, signers=("a", "b"), identifiers={"b_org": ("SE-BLV",
                                                                                                    "2120000142")})
    release = response.get_json()["releases"][0]
    parties = {party["name"]: party for party in release["parties"]}
    assert len(parties) == 2 and all(party["roles"] == ["buyer"] for party in parties.values())
    assert not any(name.startswith("Lead org") for name in parties)  # the lead did not sign
    assert "buyer" not in release and "procuringEntity" not in release["tender"]  # no joint tender by the lead
    a_party = next(party for name, party in parties.items() if name.startswith("A org"))
    b_party = next(party for name, party in parties.items() if name.startswith("B org"))
    assert "identifier" not in a_party  # unknown: left out, never invented
    assert b_party["identifier"] == {"scheme": "SE-BLV", "id": "2120000142", "legalName": b_party["name"]}
    assert b_party["id"] == "SE-BLV-2120000142"
    values = list(_scalars(response.get_json()))
    assert 5555 not in values and 4444 not in values  # the signatories' own pledges
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert value not in HIDDEN and round(value * 100) not in HIDDEN, value
    text = response.get_data(as_text=True)
    for hidden in HIDDEN:
        if hidden > 1000:
            assert str(hidden) not in text and f"{hidden / 100:.2f}" not in text


def test_pledging_without_signing_is_not_a_party(app, client):
    world, summary_id, response = _package(app, client, signers=())
    assert response.get_json()["releases"][0]["parties"] == []


def _series_id(app, summary_id: int) -> str:
    with app.app_context():
        return db.session.get(DemandSummary, summary_id).series_id


def test_ocid_is_shared_by_the_editions_of_a_summary_and_not_by_other_summaries(app, client):
    world = make_pledging_round(app)
    first_id = make_summary(app, world)
    other_series_id = make_summary(app, world)
    with app.app_context():
        from alliance.summaries import operations as summaries

        lead = db.session.scalar(sa.select(User).where(User.email == world.lead))
        edition = summaries.new_edition(lead, first_id)
        summaries.publish(lead, edition.id, edition.version)
        db.session.commit()
        second_edition_id = edition.id
    first = client.get(f"/api/v1/summaries/{first_id}.ocds.json").get_json()["releases"][0]
    second = client.get(f"/api/v1/summaries/{second_edition_id}.ocds.json").get_json()["releases"][0]
    other = client.get(f"/api/v1/summaries/{other_series_id}.ocds.json").get_json()["releases"][0]
    assert first["ocid"] == second["ocid"] and first["id"] != second["id"]
    # Withdrawing the other summary of the same round must not read as this process being withdrawn.
    assert other["ocid"] != first["ocid"]


def test_withdrawal_is_410_everywhere_and_an_ocds_release_records_it(app, client, tmp_path,
                                                                     patched_release_schema):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    published = client.get(f"/api/v1/summaries/{summary_id}.ocds.json").get_json()
    with app.app_context():
        from alliance.summaries import operations as summaries

        lead = db.session.scalar(sa.select(User).where(User.email == world.lead))
        summaries.withdraw(lead, summary_id)
        db.session.commit()
    withdrawal_url = f"/api/v1/summaries/{summary_id}/withdrawal.ocds.json"
    for path in (f"/api/v1/summaries/{summary_id}", *(f"/api/v1/summaries/{summary_id}.{extension}"
                                                      for extension in ("csv", "xlsx", "ocds.json"))):
        gone = client.get(path)
        assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "withdrawn", path
        assert withdrawal_url in gone.headers["Link"] and withdrawal_url in gone.get_json()["error"]["message"]
    response = client.get(withdrawal_url)
    assert response.status_code == 200
    withdrawal = response.get_json()
    cove = cove_errors(withdrawal)
    assert cove["validation_errors"] == [] and cove["extensions"]["invalid_extension"] == {}
    release = withdrawal["releases"][0]
    assert release["ocid"] == published["releases"][0]["ocid"] and release["tag"] == ["planningUpdate"]
    assert release["tender"]["status"] == "withdrawn" and release["date"] > published["releases"][0]["date"]

    # A data user who mirrored the published package compiles both: the process now reads as withdrawn.
    schema_path = tmp_path / "release-schema.json"
    schema_path.write_text(json.dumps(patched_release_schema))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ocdskit")), "compile", "--schema", str(schema_path)],
        input=json.dumps(published) + "\n" + json.dumps(withdrawal), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    compiled = json.loads(result.stdout)
    assert compiled["ocid"] == release["ocid"] and compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "withdrawn"
    assert compiled["tender"]["items"] == published["releases"][0]["tender"]["items"]


def test_published_summary_has_no_withdrawal_release(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    assert client.get(f"/api/v1/summaries/{summary_id}/withdrawal.ocds.json").status_code == 404


def test_no_ocds_until_the_deployment_configures_it(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    with app.app_context():
        summary = db.session.get(DemandSummary, summary_id)
        page = f"/summaries/{summary.series_id}"
    saved = {key: app.config[key] for key in ("OCDS_PREFIX", "OCDS_LICENSE", "OCDS_PUBLICATION_POLICY")}
    app.config["OCDS_PREFIX"] = ""
    try:
        response = client.get(f"/api/v1/summaries/{summary_id}.ocds.json")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "ocds_not_configured"
        assert "OCDS_PREFIX" in response.get_json()["error"]["message"]
        assert client.get(f"/api/v1/summaries/{summary_id}").get_json()["links"]["ocds"] is None
        assert "OCDS JSON" not in client.get(page).get_data(as_text=True)
    finally:
        app.config.update(saved)
    assert "OCDS JSON" in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("prefix", ["ocds-alliance", "ocds-ABC123", "ocds-12345", "xyz-abc123", "ocds-abc1234"])
def test_a_malformed_prefix_stops_the_app_at_startup(monkeypatch, prefix):
    from config import Config

    monkeypatch.setenv("OCDS_PREFIX", prefix)
    with pytest.raises(ValueError, match="ocid prefix"):
        Config()
    monkeypatch.setenv("OCDS_PREFIX", "ocds-a1b2c3")
    assert Config().OCDS_PREFIX == "ocds-a1b2c3"


def test_every_demo_export_passes_libcoveocds_including_a_withdrawn_one(app, client):
    from alliance.demo import load_demo
    from alliance.summaries import operations as summaries

    with app.app_context():
        load_demo()
        db.session.commit()
        summary_ids = list(db.session.scalars(sa.select(DemandSummary.id).where(DemandSummary.status == "published")))
    assert summary_ids
    for summary_id in summary_ids:
        package = client.get(f"/api/v1/summaries/{summary_id}.ocds.json").get_json()
        cove = cove_errors(package)
        assert cove["validation_errors"] == [], (summary_id, cove["validation_errors"])
        assert cove["extensions"]["invalid_extension"] == {} and cove["additional_closed_codelist_values"] == {}
        assert {role for party in package["releases"][0]["parties"] for role in party["roles"]} <= {"buyer"}
    with app.app_context():
        summary = db.session.get(DemandSummary, summary_ids[0])
        lead = db.session.scalar(sa.select(User).where(User.email == "lead@ict.demo"))
        assert len(package["releases"][0]["parties"]) == len(statements.signatories(
            statements.current(summary.round_id).id))
        summaries.withdraw(lead, summary.id)
        db.session.commit()
    withdrawal = client.get(f"/api/v1/summaries/{summary_ids[0]}/withdrawal.ocds.json").get_json()
    assert cove_errors(withdrawal)["validation_errors"] == []
    assert client.get(f"/api/v1/summaries/{summary_ids[0]}.ocds.json").status_code == 410



def test_admin_records_a_registered_identifier_and_bad_ones_are_refused(app, client):
    from tests.factories import make_organisation, make_user

    org_id = make_organisation(app, name="Kommun med nummer")
    admin = make_user(app, email="root@platform.test", is_admin=True)
    assert admin
    login(client, "root@platform.test")
    token = csrf_token(client, "/admin/organisations")
    for scheme, identifier, expected in (("se-blv", "2120001234", ("SE-BLV", "2120001234")),
                                         ("Sweden", "2120001234", ("SE-BLV", "2120001234")),
                                         ("SE-BLV", "", ("SE-BLV", "2120001234")),
                                         ("SE-BLV", "21 20", ("SE-BLV", "2120001234")),
                                         ("", "", ("", ""))):
        client.post(f"/admin/organisations/{org_id}/identifier",
                    data={"csrf_token": token, "scheme": scheme, "identifier": identifier})
        with app.app_context():
            organisation = db.session.get(Organisation, org_id)
            assert (organisation.identifier_scheme, organisation.identifier) == expected, (scheme, identifier)
    with app.test_client() as buyer:
        login(buyer, email_of(app, make_user(app, org_id)))
        own_token = csrf_token(buyer, "/auth/account")
        assert buyer.post(f"/admin/organisations/{org_id}/identifier",
                          data={"csrf_token": own_token, "scheme": "SE-BLV", "identifier": "1"}).status_code == 403
    with app.app_context():
        assert db.session.get(Organisation, org_id).identifier == ""
