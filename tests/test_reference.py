"""Reference data: the shipped CPV categories and criteria libraries, loaded idempotently, validated strictly."""

import json
import shutil

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import Category
from alliance.reference.loader import DATA_DIR, ReferenceDataError, load_reference, reference_library

EU_GPP = "eu-gpp-computers-monitors-tablets-smartphones"


def category_rows(app):
    with app.app_context():
        return db.session.execute(sa.select(Category.cpv_code, Category.name, Category.unit)
                                  .order_by(Category.cpv_code)).all()


def test_load_reference_command_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["load-reference"])
    assert first.exit_code == 0, first.output
    assert "Categories: 9,454 added, 0 updated, 0 unchanged." in first.output
    assert f"Criteria library {EU_GPP}: 15 criteria, valid." in first.output
    rows = category_rows(app)
    assert ("30213100-6", "Portable computers", "C62") in rows and ("33141420-0", "Surgical gloves", "PR") in rows
    second = runner.invoke(args=["load-reference"])
    assert "Categories: 0 added, 0 updated, 9,454 unchanged." in second.output
    assert category_rows(app) == rows


def test_changed_category_name_is_updated_not_duplicated(app):
    with app.app_context():
        db.session.add(Category(cpv_code="30213100-6", name="Old name", unit="C62", sector="ict"))
        db.session.commit()
        report = load_reference()
        db.session.commit()
        assert report.updated == ["30213100-6"] and len(report.created) == 9_453
        assert db.session.scalar(sa.select(Category.name).where(Category.cpv_code == "30213100-6")) == \
            "Portable computers"


def test_shipped_libraries_cite_a_source_for_every_criterion():
    library = reference_library()
    assert set(library) == {EU_GPP, "upphandlingsmyndigheten-it-equipment", "upphandlingsmyndigheten-disposable-gloves",
                            "upphandlingsmyndigheten-medical-consumables-infusion-sets"}
    for reference in library.values():
        for criterion in reference.criteria:
            assert criterion.fields["source"] and criterion.fields["source_section"], criterion.code
            assert criterion.fields["impact_factor"] is None  # no factor holds for every category (SOURCES.md)
    # The cited factors hold for one category each: the Ecodesign ETEC limits of notebooks and desktops.
    energy = {c.code: c for c in library[EU_GPP].criteria}["TS18"]
    notebook, desktop, tablet = (energy.fields_for(code) for code in ("30213100-6", "30213300-8", "30213200-7"))
    assert (notebook["impact_factor"], desktop["impact_factor"], tablet["impact_factor"]) == (36.0, 133.0, None)
    assert notebook["impact_unit"].startswith("kWh/year per notebook, at most")
    assert "617/2013" in notebook["impact_source"] and "Annex II point 1.3.1(a)" in notebook["impact_source"]
    assert "https://legislation.gov.uk/eur/2013/617/annex/II/2020-03-01" in desktop["impact_source"]
    monitors = {c.code for c in library[EU_GPP].criteria_for("30231310-3")}
    assert "TS19" in monitors and "TS18" not in monitors  # criterion-level applies_to is honoured
    assert library[EU_GPP].criteria_for("33141420-0") == []


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_criterion(folder, key, index, **changes):
    path = folder / "criteria" / f"{key}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["criteria"][index].update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("changes, expected", [
    ({"type": "banana"}, "criterion TS2: type: Choose one of"),
    ({"level": "advanced"}, "criterion TS2: level: Choose one of"),
    ({"source_section": ""}, "criterion TS2: source_section: Give the section"),
    ({"impact_factor": 12.5, "impact_unit": "kg CO2e"}, "impact_source: An impact factor needs the source"),
    ({"code": "TS1"}, "criterion TS1: the code appears twice"),
    ({"applies_to": ["3021310-6"]}, "'3021310-6' is not a CPV code"),
    ({"applies_to": ["33141420-0"]}, "applies_to names codes the library does not apply to"),
    ({"title": "x" * 301}, "title: Use at most 300 characters"),
    ({"impact_by_category": {"30213100-6": {"impact_factor": 36, "impact_unit": "kWh/year", "impact_source": ""}}},
     "criterion TS2, impact for 30213100-6: impact_source: An impact factor needs the source"),
    ({"impact_by_category": {"30213100-6": {"impact_factor": 36}}}, "impact for 30213100-6: give exactly"),
    ({"impact_by_category": {"33141420-0": {"impact_factor": 1, "impact_unit": "kg", "impact_source": "S"}}},
     "impact_by_category names 33141420-0, which the criterion does not apply to"),
])
def test_malformed_criterion_names_file_and_criterion_and_loads_nothing(app, data_copy, changes, expected):
    edit_criterion(data_copy, EU_GPP, 1, **changes)
    result = app.test_cli_runner().invoke(args=["load-reference", "--data-dir", str(data_copy)])
    assert result.exit_code == 1
    assert f"{EU_GPP}.json" in result.output and expected in result.output
    assert category_rows(app) == []


@pytest.mark.parametrize("line, expected", [
    ("30213100-X,Portable computers,C62,ict,Reg", "line 2 (30213100-X): the CPV code must look like"),
    ("30213100-6,Portable computers,one,ict,Reg", "UN/CEFACT Recommendation 20"),
    ("30213100-6,Portable computers,C62,space,Reg", "the sector must be one of"),
    ("30213100-6,Portable computers,BX,ict,Reg", "current UN/CEFACT Recommendation 20"),  # BX is deleted
    ("30213100-6,Laptops,C62,ict,Reg", "named 'Portable computers' in the CPV 2008 vocabulary"),
    ("30213199-9,Portable computers,C62,ict,Reg", "30213199-9 is not in the CPV 2008 vocabulary"),
])
def test_malformed_category_row_loads_nothing(app, data_copy, line, expected):
    path = data_copy / "categories.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with app.app_context(), pytest.raises(ReferenceDataError, match="categories.csv") as error:
        load_reference(data_copy)
    assert expected in str(error.value)
    assert category_rows(app) == []


def test_invalid_json_reports_the_line(app, data_copy):
    (data_copy / "criteria" / "broken.json").write_text('{"title": "x",\n  "criteria": [}', encoding="utf-8")
    with app.app_context(), pytest.raises(ReferenceDataError, match=r"broken.json: not valid JSON \(line 2"):
        load_reference(data_copy)
    assert category_rows(app) == []


def test_codes_are_the_sources_ids_or_visibly_the_projects_own():
    """A code in the source's style must be the source's id (Upphandlingsmyndigheten: digits, optionally
    ':n'); one the project made up starts with OWN-. Verification is never a research note."""
    import re

    library = reference_library()
    for key, reference in library.items():
        for criterion in reference.criteria:
            code = criterion.code
            if key.startswith("upphandlingsmyndigheten"):
                assert re.fullmatch(r"\d{5}(:\d+)?", code) or code.startswith("OWN-"), (key, code)
            if code.startswith("OWN-"):
                assert criterion.fields["wording"] != "source", code  # the project's own id: not presented as verbatim
    energy = {c.code: c for c in library["upphandlingsmyndigheten-it-equipment"].criteria}["11169"]
    assert "40–59% better energy performance: 0.6 * X" in energy.fields["text"]
    assert "measured ETEC value" in energy.fields["verification"]
    assert all(c.fields["wording"] == "missing" and not c.fields["text"] for c in library[EU_GPP].criteria)
