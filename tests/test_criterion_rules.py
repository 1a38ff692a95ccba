"""The rules every criterion obeys (alliance.reference.criterion_rules), called directly: each problem is one
whole sentence at the field it concerns, in the reader's language."""

from alliance.reference.criterion_rules import clean_criterion, criterion_problems


def valid(**changes) -> dict:
    fields = {"code": "TS1", "title": "Battery endurance", "text": "The battery keeps 80 % after 1000 cycles.",
              "type": "specification", "level": "core", "source": "EU GPP criteria for computers (2021)",
              "source_section": "TS1", "source_url": "https://example.org/gpp", "wording": "source"}
    fields.update(changes)
    return fields


def test_a_cited_criterion_has_no_problem_and_is_stored_trimmed():
    assert criterion_problems(valid()) == {}
    cited = valid(title="  Battery endurance ", impact_factor=12, impact_unit="kg CO2e per unit",
                  impact_source="Study 2023, table 2")
    assert criterion_problems(cited) == {}
    stored = clean_criterion(cited)
    assert stored["title"] == "Battery endurance" and stored["impact_factor"] == 12.0


def test_missing_fields_are_asked_for_one_sentence_each():
    problems = criterion_problems({"type": "specification", "level": "core"})
    assert problems == {"code": "Give a code.", "title": "Give a title.", "source": "Give the source document.",
                        "source_section": "Give the section of the source.", "text": "Give the requirement text."}
    assert "text" not in criterion_problems(valid(text="", wording="missing"))  # no official wording to quote


def test_a_value_that_is_not_text_is_reported_not_a_crash():
    problems = criterion_problems(valid(code=5, topic=["a"], impact_factor=1, impact_unit="kg", impact_source=7))
    assert problems == {"code": "This must be text.", "topic": "This must be text.",
                        "impact_source": "This must be text."}


def test_choices_formats_and_limits():
    problems = criterion_problems(valid(type="wish", level="advanced", wording="rumour", code="has space",
                                        source_url="javascript:alert(1)", title="t" * 301))
    assert problems == {
        "type": "Choose one of: selection, specification, award, clause.",
        "level": "Choose one of: core, comprehensive.",
        "wording": "Choose one of: source, translation, summary, missing.",
        "code": "Use letters, digits, '.', '_', ':' or '-' (no spaces).",
        "source_url": "Give a web address starting with http:// or https://.",
        "title": "Use at most 300 characters.",
    }


def test_an_impact_factor_is_never_uncited():
    assert criterion_problems(valid(impact_factor=0.5)) == {
        "impact_source": "An impact factor needs the source it is cited from.",
        "impact_unit": "An impact factor needs its unit, e.g. 'kg CO2e per unit'.",
    }
    assert criterion_problems(valid(impact_unit="kg CO2e")) == {
        "impact_factor": "Give the impact factor, or leave its unit and source empty."}
    cited = {"impact_unit": "kg", "impact_source": "Study"}
    assert criterion_problems(valid(impact_factor=-1, **cited)) == {
        "impact_factor": "The impact factor must be zero or more."}
    for not_a_number in (True, "12", float("nan"), float("inf")):
        assert criterion_problems(valid(impact_factor=not_a_number, **cited)) == {
            "impact_factor": "The impact factor must be a number."}


def test_problems_speak_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        problems = criterion_problems(valid(title="t" * 301, code=""))
    assert problems == {"title": "Utilisez au plus 300 caractères.", "code": "Indiquez un code."}
