"""Read, validate and load the reference data in alliance/data (see alliance/data/SOURCES.md).

- cpv-2008/en.json: the whole CPV 2008 main vocabulary (Regulation (EC) No 213/2008), code → English name;
  cpv-2008/fr.json and es.json, when shipped, give French and Spanish names the same way.
- categories.csv: the categories the project curated (a suggested UN/CEFACT Rec. 20 unit and a sector);
  every other CPV code is loaded with the unit C62 ("one") and no sector. An alliance chooses its own unit.
- criteria/*.json: published criteria libraries. They stay in the files (a *template* library keyed by the
  file name); a lead copies one into an alliance's criteria set (alliance.criteria.operations).

`load_reference()` upserts the categories by CPV code. Everything is validated before anything is written:
one bad file or row stops the load with a message that names the file and the row or criterion, and
nothing is loaded.

CPV check digits are checked for format only: no algorithm reproduces the published digits. The weighted
sum (3, 7, 1, …) mod 10 fits 8,922 of the 9,454 codes and misses 532 (e.g. 09100000-0), and the
Publications Office's answer to the same finding is that the 2008 revision made an error that cannot be
corrected now (SOURCES.md). Checking the digits would refuse real codes.

A criterion may cite an impact factor for one category only (`impact_by_category`: CPV code → factor, unit
and source); a criteria set for that category copies it.
"""

import csv
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from alliance.errors import InvalidError
from alliance.extensions import db
from alliance.models import SECTORS, Category
from alliance.reference.criterion_rules import clean_criterion, criterion_problems
from alliance.units import is_current_unit

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CPV_PATTERN = re.compile(r"^[0-9]{8}-[0-9]$")
DEFAULT_UNIT = "C62"  # Rec. 20 "one", the plain unit of count
VOCABULARY_LANGUAGES = ("en", "fr", "es")
CATEGORY_COLUMNS = ("cpv_code", "name", "unit", "sector", "source")
MAX_FILE_BYTES = 2_000_000


class ReferenceDataError(InvalidError):
    """A data file is malformed; the message names the file and the row or criterion."""


@dataclass(frozen=True)
class CategoryRow:
    cpv_code: str
    name: str
    unit: str
    sector: str
    source: str
    name_fr: str = ""
    name_es: str = ""


IMPACT_FIELDS = ("impact_factor", "impact_unit", "impact_source")


@dataclass(frozen=True)
class ReferenceCriterion:
    """One criterion of a published library, with the fields a Criterion row stores."""

    fields: dict
    applies_to: tuple[str, ...] | None  # CPV codes; None: every category of the library
    # A cited impact factor that holds for one category only (an energy limit differs between notebooks and
    # desktops): CPV code → impact_factor, impact_unit and impact_source, replacing the criterion's own.
    impact_by_category: dict[str, dict] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.fields["code"]

    def fields_for(self, cpv_code: str) -> dict:
        """The fields a criteria set for this category copies, with the category's impact factor if cited."""
        return {**self.fields, **self.impact_by_category.get(cpv_code, {})}


@dataclass(frozen=True)
class ReferenceSet:
    """A published criteria library (one JSON file), keyed by the file name without .json."""

    key: str
    title: str
    sector: str
    applies_to: tuple[str, ...]
    source: str
    source_url: str
    notes: tuple[str, ...]
    criteria: tuple[ReferenceCriterion, ...]

    def criteria_for(self, cpv_code: str) -> list[ReferenceCriterion]:
        """The criteria of this library that apply to one category."""
        if cpv_code not in self.applies_to:
            return []
        return [c for c in self.criteria if c.applies_to is None or cpv_code in c.applies_to]


@dataclass
class ReferenceData:
    categories: list[CategoryRow]
    sets: dict[str, ReferenceSet]


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    libraries: dict[str, int] = field(default_factory=dict)  # key → number of criteria

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def read_categories(path: Path) -> list[CategoryRow]:
    """Parse and validate categories.csv."""
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != CATEGORY_COLUMNS:
                raise ReferenceDataError(f"{name}: the header must be {','.join(CATEGORY_COLUMNS)}.")
            rows, seen = [], set()
            for line, raw in enumerate(reader, start=2):
                values = {key: (raw.get(key) or "").strip() for key in CATEGORY_COLUMNS}
                if None in raw:
                    raise ReferenceDataError(f"{name}, line {line}: too many columns.")
                problem = _category_problem(values)
                if problem:
                    raise ReferenceDataError(f"{name}, line {line} ({values['cpv_code'] or 'no code'}): {problem}")
                if values["cpv_code"] in seen:
                    raise ReferenceDataError(f"{name}, line {line}: CPV code {values['cpv_code']} appears twice.")
                seen.add(values["cpv_code"])
                rows.append(CategoryRow(**values))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ReferenceDataError(f"{name}: cannot be read ({error}).") from None
    if not rows:
        raise ReferenceDataError(f"{name}: has no categories.")
    return rows


def _category_problem(values: dict) -> str | None:
    if not CPV_PATTERN.match(values["cpv_code"]):
        return "the CPV code must look like 30213100-6 (eight digits, a hyphen, a check digit)."
    if not values["name"] or len(values["name"]) > 200:
        return "the name must have 1 to 200 characters."
    if not is_current_unit(values["unit"]):
        return "the unit must be a current UN/CEFACT Recommendation 20 code such as C62 or PR."
    if values["sector"] not in SECTORS:
        return f"the sector must be one of {', '.join(SECTORS)}."
    if not values["source"]:
        return "the source is missing."
    return None


def read_vocabulary(folder: Path, language: str) -> dict[str, str]:
    """One language of the CPV vocabulary (code → name); {} when that language is not shipped (fr, es)."""
    path = folder / f"{language}.json"
    if language != "en" and not path.exists():
        return {}
    label = f"cpv-2008/{path.name}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ReferenceDataError(f"{label}: not valid JSON (line {error.lineno}: {error.msg}).") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReferenceDataError(f"{label}: cannot be read ({error}).") from None
    if not isinstance(data, dict) or not data:
        raise ReferenceDataError(f"{label}: must hold a JSON object of CPV code → name.")
    for code, name in data.items():
        if not CPV_PATTERN.match(code):
            raise ReferenceDataError(f"{label}: '{code}' is not a CPV code like 30213100-6.")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ReferenceDataError(f"{label}, {code}: the name must have 1 to 200 characters.")
    return {code: name.strip() for code, name in data.items()}


def vocabulary_categories(folder: Path, curated: list[CategoryRow]) -> list[CategoryRow]:
    """Every code of the vocabulary as a category, with the curated unit and sector where there is one."""
    names = {language: read_vocabulary(folder, language) for language in VOCABULARY_LANGUAGES}
    english = names["en"]
    by_code = {row.cpv_code: row for row in curated}
    for row in curated:
        if row.cpv_code not in english:
            raise ReferenceDataError(f"categories.csv: {row.cpv_code} is not in the CPV 2008 vocabulary.")
        if row.name != english[row.cpv_code]:
            raise ReferenceDataError(f"categories.csv: {row.cpv_code} is named '{english[row.cpv_code]}' in the "
                                     f"CPV 2008 vocabulary, not '{row.name}'.")
    for language in ("fr", "es"):
        unknown = set(names[language]) - set(english)
        if unknown:
            raise ReferenceDataError(f"cpv-2008/{language}.json: {min(unknown)} is not in the English vocabulary.")
    source = "Commission Regulation (EC) No 213/2008 (CPV 2008)"
    return [
        CategoryRow(cpv_code=code, name=name, unit=by_code[code].unit if code in by_code else DEFAULT_UNIT,
                    sector=by_code[code].sector if code in by_code else "", source=source,
                    name_fr=names["fr"].get(code, ""), name_es=names["es"].get(code, ""))
        for code, name in english.items()
    ]


def read_criteria_file(path: Path, known_cpv: set[str]) -> ReferenceSet:
    """Parse and validate one criteria library; known_cpv are the codes of the CPV vocabulary."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReferenceDataError(f"{name}: larger than {MAX_FILE_BYTES} bytes.")
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ReferenceDataError(f"{name}: not valid JSON (line {error.lineno}: {error.msg}).") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReferenceDataError(f"{name}: cannot be read ({error}).") from None
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{name}: must hold a JSON object.")
    for key in ("title", "sector", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ReferenceDataError(f"{name}: '{key}' is missing.")
    if data["sector"] not in SECTORS:
        raise ReferenceDataError(f"{name}: sector '{data['sector']}' is not one of {', '.join(SECTORS)}.")
    applies_to = _cpv_list(data.get("applies_to"), known_cpv, f"{name}: applies_to")
    if not applies_to:
        raise ReferenceDataError(f"{name}: applies_to must list at least one CPV code.")
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise ReferenceDataError(f"{name}: 'criteria' must be a non-empty list.")
    criteria, codes = [], set()
    for index, raw in enumerate(raw_criteria, start=1):
        criteria.append(_read_criterion(raw, index, data, applies_to, known_cpv, name))
        if criteria[-1].code in codes:
            raise ReferenceDataError(f"{name}, criterion {criteria[-1].code}: the code appears twice.")
        codes.add(criteria[-1].code)
    return ReferenceSet(
        key=path.stem, title=data["title"].strip(), sector=data["sector"], applies_to=applies_to,
        source=data["source"].strip(), source_url=str(data.get("source_url") or "").strip(),
        notes=tuple(str(note) for note in data.get("notes") or ()), criteria=tuple(criteria),
    )


def _read_criterion(raw, index: int, data: dict, applies_to: tuple[str, ...], known_cpv: set[str], name: str):
    if not isinstance(raw, dict):
        raise ReferenceDataError(f"{name}, criterion #{index}: must be a JSON object.")
    label = f"{name}, criterion {raw.get('code') or '#' + str(index)}"
    fields = {key: raw.get(key) for key in ("code", "title", "text", "type", "level", "verification",
                                            "source_section", "impact_factor", "impact_unit", "impact_source",
                                            "wording", "topic")}
    fields["language"] = raw.get("language") or data.get("language") or "en"  # the wording's language
    # A criterion cites the library's document unless it names its own.
    fields["source"] = raw.get("source") or data["source"]
    fields["source_url"] = raw.get("source_url") or data.get("source_url") or ""
    problems = criterion_problems(fields)
    if problems:
        details = "; ".join(f"{key}: {message}" for key, message in sorted(problems.items()))
        raise ReferenceDataError(f"{label}: {details}")
    own = raw.get("applies_to")
    own_codes = None if own is None else _cpv_list(own, known_cpv, f"{label}: applies_to")
    if own_codes is not None and not set(own_codes) <= set(applies_to):
        raise ReferenceDataError(f"{label}: applies_to names codes the library does not apply to.")
    by_category = _impact_by_category(raw.get("impact_by_category"), fields, own_codes or applies_to, label)
    return ReferenceCriterion(fields=clean_criterion(fields), applies_to=own_codes, impact_by_category=by_category)


def _impact_by_category(value, fields: dict, codes: tuple[str, ...], label: str) -> dict[str, dict]:
    """Validate a criterion's per-category impact factors: each cites its unit and source, for a category the
    criterion applies to."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReferenceDataError(f"{label}: impact_by_category must map CPV codes to impact factors.")
    result = {}
    for code, impact in value.items():
        if code not in codes:
            raise ReferenceDataError(f"{label}: impact_by_category names {code}, which the criterion does not apply to.")
        if not isinstance(impact, dict) or set(impact) != set(IMPACT_FIELDS) or impact["impact_factor"] is None:
            raise ReferenceDataError(f"{label}, impact for {code}: give exactly {', '.join(IMPACT_FIELDS)}.")
        problems = {key: message for key, message in criterion_problems({**fields, **impact}).items()
                    if key in IMPACT_FIELDS}
        if problems:
            details = "; ".join(f"{key}: {message}" for key, message in sorted(problems.items()))
            raise ReferenceDataError(f"{label}, impact for {code}: {details}")
        cleaned = clean_criterion({**fields, **impact})
        result[code] = {key: cleaned[key] for key in IMPACT_FIELDS}
    return result


def _cpv_list(value, known_cpv: set[str], label: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ReferenceDataError(f"{label} must be a list of CPV codes.")
    for code in value:
        if not CPV_PATTERN.match(code):
            raise ReferenceDataError(f"{label}: '{code}' is not a CPV code like 30213100-6.")
        if code not in known_cpv:
            raise ReferenceDataError(f"{label}: {code} is not in the CPV 2008 vocabulary.")
    return tuple(value)


def read_reference_data(data_dir: Path = DATA_DIR) -> ReferenceData:
    """Read and validate every data file; raises ReferenceDataError at the first problem."""
    curated = read_categories(Path(data_dir) / "categories.csv")
    categories = vocabulary_categories(Path(data_dir) / "cpv-2008", curated)
    known = {row.cpv_code for row in categories}
    sets = {}
    for path in sorted((Path(data_dir) / "criteria").glob("*.json")):
        library = read_criteria_file(path, known)
        sets[library.key] = library
    return ReferenceData(categories=categories, sets=sets)


@functools.cache
def reference_library() -> dict[str, ReferenceSet]:
    """The shipped criteria libraries, keyed by file name (read once per process)."""
    return read_reference_data(DATA_DIR).sets


def reference_sets_for(cpv_code: str) -> list[ReferenceSet]:
    """The shipped libraries that have criteria for a category."""
    return [library for library in reference_library().values() if library.criteria_for(cpv_code)]


CATEGORY_FIELDS = ("name", "name_fr", "name_es", "unit", "sector")


def upsert_categories(rows: list[CategoryRow], report: LoadReport) -> None:
    """Insert new categories and update changed ones, matched by CPV code, in bulk. Flushes, never commits."""
    existing = {row.cpv_code: row for row in db.session.execute(
        sa.select(Category.id, Category.cpv_code, *(getattr(Category, name) for name in CATEGORY_FIELDS)))}
    inserts, updates = [], []
    for row in rows:
        values = {name: getattr(row, name) for name in CATEGORY_FIELDS}
        current = existing.get(row.cpv_code)
        if current is None:
            inserts.append({"cpv_code": row.cpv_code, **values})
            report.created.append(row.cpv_code)
        elif any(getattr(current, name) != value for name, value in values.items()):
            updates.append({"id": current.id, **values})
            report.updated.append(row.cpv_code)
        else:
            report.unchanged.append(row.cpv_code)
    if inserts:
        db.session.execute(sa.insert(Category), inserts)
    if updates:
        db.session.execute(sa.update(Category), updates)
    db.session.flush()


def load_reference(data_dir: Path = DATA_DIR) -> LoadReport:
    """Validate all reference data, then upsert the categories. Idempotent; the caller commits."""
    data = read_reference_data(data_dir)
    report = LoadReport(libraries={key: len(library.criteria) for key, library in data.sets.items()})
    upsert_categories(data.categories, report)
    return report
