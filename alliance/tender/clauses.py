"""A criteria set as tender clauses: selection criteria, technical specifications, award criteria and
contract performance clauses, each with its verification, "or equivalent" wording and its source."""

import io
import re
from dataclasses import dataclass

from docx import Document

from alliance.models import LEVELS, CriteriaSet, Criterion

# Headings as procurement documents name the four kinds (Directive 2014/24/EU wording).
GROUPS = [
    ("selection", "Selection criteria"),
    ("specification", "Technical specifications"),
    ("award", "Award criteria"),
    ("clause", "Contract performance clauses"),
]
EQUIVALENCE = ("Any other appropriate means of proof, such as a technical dossier of the manufacturer or a test "
               "report from a recognised body, and labels with equivalent requirements will also be accepted.")
_EQUIVALENT = re.compile(r"\bor equivalent\b", re.IGNORECASE)


@dataclass
class Clause:
    code: str
    title: str
    text: str
    level: str
    verification: str
    source: str


def verification_text(criterion: Criterion) -> str:
    """The criterion's verification, with "or equivalent" wording added where it names no alternative:
    a buyer may not require one specific label or proof (Directive 2014/24/EU, Articles 43 and 44)."""
    text = (criterion.verification or "").strip()
    if not text:
        return EQUIVALENCE
    if _EQUIVALENT.search(text):
        return text
    return f"{text} {EQUIVALENCE}"


def source_text(criterion: Criterion) -> str:
    parts = [criterion.source]
    if criterion.source_section:
        parts.append(criterion.source_section)
    text = ", ".join(part for part in parts if part)
    return f"{text} ({criterion.source_url})" if criterion.source_url else text


def grouped_clauses(criteria_set: CriteriaSet) -> list[tuple[str, list[Clause]]]:
    """The criteria as clauses, in GROUPS order; groups without criteria are left out."""
    groups = []
    for criterion_type, heading in GROUPS:
        clauses = [
            Clause(code=c.code, title=c.title, text=c.text.strip(), level=LEVELS.get(c.level, c.level),
                   verification=verification_text(c), source=source_text(c))
            for c in criteria_set.criteria if c.type == criterion_type
        ]
        if clauses:
            groups.append((heading, clauses))
    return groups


def _intro(criteria_set: CriteriaSet) -> str:
    return (f"Criteria for {criteria_set.category.name} (CPV {criteria_set.category.cpv_code}), "
            f"{criteria_set.title}, version {criteria_set.version}. Each clause cites its published source; "
            f"check the source for the full wording and thresholds before use.")


def tender_markdown(criteria_set: CriteriaSet) -> str:
    lines = [f"# {criteria_set.title} — tender clauses", "", _intro(criteria_set), ""]
    for heading, clauses in grouped_clauses(criteria_set):
        lines += [f"## {heading}", ""]
        for clause in clauses:
            lines += [
                f"### {clause.code} {clause.title}", "",
                f"*{clause.level} level*", "",
                clause.text, "",
                f"**Verification:** {clause.verification}", "",
                f"**Source:** {clause.source}", "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def tender_docx(criteria_set: CriteriaSet) -> bytes:
    """The clauses as a Word document (headings, paragraphs) a buyer can paste into tender documents."""
    document = Document()
    document.core_properties.title = f"{criteria_set.title} — tender clauses"
    document.add_heading(f"{criteria_set.title} — tender clauses", level=0)
    document.add_paragraph(_intro(criteria_set))
    for heading, clauses in grouped_clauses(criteria_set):
        document.add_heading(heading, level=1)
        for clause in clauses:
            document.add_heading(f"{clause.code} {clause.title}", level=2)
            document.add_paragraph(f"{clause.level} level").runs[0].italic = True
            document.add_paragraph(clause.text)
            for label, value in (("Verification: ", clause.verification), ("Source: ", clause.source)):
                paragraph = document.add_paragraph()
                paragraph.add_run(label).bold = True
                paragraph.add_run(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()



