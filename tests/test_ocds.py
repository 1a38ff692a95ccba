"""The OCDS export: a valid OCDS 1.1.5 release package, planning stage, with only public figures."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from alliance.extensions import db
from alliance.models import Criterion
from tests.factories import SUPPRESSED_FIGURES, make_pledging_round, make_submitted_pledge, make_summary

# The official OCDS 1.1.5 schemas (Apache 2.0, LICENSE beside them), copied from the project's shared
# reference data so the suite validates offline on any clone.
SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "ocds-1.1.5"
HIDDEN = {value for figures in SUPPRESSED_FIGURES.values() for value in figures.values()}


@pytest.fixture(scope="module")
def validator():
    resources = []
    for name in ("release-package-schema.json", "release-schema.json"):
        schema = json.loads((SCHEMA_DIR / name).read_text())
        resources.append((schema["id"], Resource.from_contents(schema, default_specification=DRAFT4)))
    package_schema = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text())
    return Draft4Validator(package_schema, registry=Registry().with_resources(resources))


def _scalars(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    else:
        yield value


def _package(app, client):
    world = make_pledging_round(app)
    with app.app_context():
        criteria_set_id = world["sets"]["30213100-6/v2"]
        db.session.add_all([
            Criterion(criteria_set_id=criteria_set_id, code="TS1", title="Extended service agreement", text="…",
                      type="specification", level="core", source="EU GPP criteria for computers (2021)"),
            Criterion(criteria_set_id=criteria_set_id, code="AC1", title="Energy", text="…", type="award",
                      level="comprehensive", source="TCO Certified, generation 9"),
        ])
        db.session.commit()
    make_submitted_pledge(app, world["round_id"], world["a_org"], world["sets"]["30213100-6/v2"], quantity=5555)
    summary_id = make_summary(app, world)
    response = client.get(f"/api/v1/summaries/{summary_id}.ocds.json")
    assert response.status_code == 200
    return world, summary_id, response


def test_release_package_is_valid_ocds(app, client, validator):
    world, summary_id, response = _package(app, client)
    package = response.get_json()
    errors = sorted(validator.iter_errors(package), key=lambda error: list(error.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    release = package["releases"][0]
    assert release["ocid"] == f"ocds-alliance-{world['round_id']}"
    assert release["tag"] == ["planning"] and release["initiationType"] == "tender"
    items = {item["id"]: item for item in release["tender"]["items"]}
    laptops = items["30213100-6"]
    assert laptops["classification"] == {"scheme": "CPV", "id": "30213100", "description": "Portable computers"}
    assert laptops["unit"]["scheme"] == "UNCEFACT" and laptops["unit"]["id"] == "C62"
    assert laptops["quantity"] == 12000
    assert "quantity" not in items["30231310-3"]  # suppressed: left out, never 0
    assert "budget" not in release["planning"]  # the public total is withheld in this snapshot
    strategies = [entry["strategies"] for entry in release["tender"]["sustainability"]]
    assert ["technicalSpecifications", "euGPPCriteria"] in strategies
    assert ["awardCriteria", "otherGPPCriteria"] in strategies
    assert package["extensions"][0].endswith("ocds_sustainability_extension/master/extension.json")


def test_parties_are_named_without_volumes_and_nothing_suppressed_appears(app, client):
    world, summary_id, response = _package(app, client)
    release = response.get_json()["releases"][0]
    roles = {party["name"]: party["roles"] for party in release["parties"]}
    assert any(name.startswith("Lead org") and role == ["buyer", "procuringEntity"] for name, role in roles.items())
    assert any(name.startswith("A org") and role == ["buyer"] for name, role in roles.items())
    assert release["buyer"]["id"] in {party["id"] for party in release["parties"]}
    for party in release["parties"]:
        assert set(party) == {"id", "name", "address", "roles"}
    values = list(_scalars(response.get_json()))
    assert 5555 not in values  # the signatory's own pledge
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert value not in HIDDEN and round(value * 100) not in HIDDEN, value
    text = response.get_data(as_text=True)
    for hidden in HIDDEN:
        if hidden > 1000:
            assert str(hidden) not in text and f"{hidden / 100:.2f}" not in text


def test_ocid_is_stable_per_round_across_editions(app, client):
    world = make_pledging_round(app)
    first_id = make_summary(app, world)
    second_id = make_summary(app, world)
    first = client.get(f"/api/v1/summaries/{first_id}.ocds.json").get_json()["releases"][0]
    second = client.get(f"/api/v1/summaries/{second_id}.ocds.json").get_json()["releases"][0]
    assert first["ocid"] == second["ocid"] and first["id"] != second["id"]
