"""A criteria set as tender clauses: selection criteria, technical specifications, award criteria and
contract performance clauses, each with its own verification and its source.

The text is meant to be pasted into tender documents as it is, so it carries no research notes. Where a
clause lacks the source's wording or a verification, it says so in one marked line, and the whole export
is marked "DRAFT — not final": it is never presented as ready to use.
"""

import io
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
DRAFT_MARK = "DRAFT — not final"
# Said once for the whole document, not appended to each clause's verification (Articles 43 and 44).
EQUIVALENCE = ("Where a label, standard or test report is named as proof, equivalent labels and any other "
               "appropriate means of proof, such as a technical dossier of the manufacturer, are also accepted "
               "(Directive 2014/24/EU, Articles 43 and 44).")
WORDING_MISSING = ("The source's official wording is missing from this criteria set: take it from the source "
                   "below before use.")
SUMMARY_ONLY = ("This is a summary of the source's criterion, not its official wording: take the full text "
                "from the source below before use.")
TRANSLATED = "Translated from the source's language; the source's own text prevails."
VERIFICATION_MISSING = "No verification is given for this criterion: the contracting authority must set one."


@dataclass
class Clause:
    code: str
    title: str
    text: str  # empty where the wording is missing
    level: str
    verification: str  # empty where none is given
    source: str
    notice: str  # one marked line on the text: missing, summary only, or translated; "" for the source's own
    final: bool  # the source's wording (or its translation) with a verification


def source_text(criterion: Criterion) -> str:
    parts = [criterion.source]
    if criterion.source_section:
        parts.append(criterion.source_section)
    text = ", ".join(part for part in parts if part)
    return f"{text} ({criterion.source_url})" if criterion.source_url else text


def clause_for(criterion: Criterion) -> Clause:
    wording = criterion.wording or "source"
    verification = (criterion.verification or "").strip()
    notice = {"missing": WORDING_MISSING, "summary": SUMMARY_ONLY, "translation": TRANSLATED}.get(wording, "")
    return Clause(
        code=criterion.code, title=criterion.title, text="" if wording == "missing" else criterion.text.strip(),
        level=LEVELS.get(criterion.level, criterion.level), verification=verification,
        source=source_text(criterion), notice=notice,
        final=wording in ("source", "translation") and bool(verification),
    )


def grouped_clauses(criteria_set: CriteriaSet) -> list[tuple[str, list[Clause]]]:
    """The criteria as clauses, in GROUPS order; groups without criteria are left out."""
    groups = []
    for criterion_type, heading in GROUPS:
        clauses = [clause_for(c) for c in criteria_set.criteria if c.type == criterion_type]
        if clauses:
            groups.append((heading, clauses))
    return groups


def unfinished(groups: list[tuple[str, list[Clause]]]) -> int:
    """How many clauses lack the source's wording or a verification."""
    return sum(not clause.final for _, clauses in groups for clause in clauses)


def _title(criteria_set: CriteriaSet, missing: int) -> str:
    title = f"{criteria_set.title} — tender clauses"
    return f"{title} ({DRAFT_MARK})" if missing else title


def _preamble(criteria_set: CriteriaSet, missing: int) -> list[str]:
    """Paragraphs before the clauses: the draft warning (if any), what the set is, the equivalence rule."""
    paragraphs = []
    if missing:
        paragraphs.append(f"{DRAFT_MARK}: {missing} clause{'s' if missing != 1 else ''} below "
                          f"{'lack' if missing != 1 else 'lacks'} the source's official wording or a verification "
                          "(each is marked). Complete them from the cited sources before using this text in a tender.")
    category = criteria_set.category
    paragraphs.append(f"Criteria for {category.name} (CPV {category.cpv_code}): {criteria_set.title}, "
                      f"version {criteria_set.version}.")
    paragraphs.append(EQUIVALENCE)
    return paragraphs


def tender_markdown(criteria_set: CriteriaSet) -> str:
    groups = grouped_clauses(criteria_set)
    missing = unfinished(groups)
    lines = [f"# {_title(criteria_set, missing)}", ""]
    for index, paragraph in enumerate(_preamble(criteria_set, missing)):
        lines += [f"**{paragraph}**" if missing and index == 0 else paragraph, ""]
    for heading, clauses in groups:
        lines += [f"## {heading}", ""]
        for clause in clauses:
            lines += [f"### {clause.code} {clause.title}", "", f"*{clause.level} level*", ""]
            if clause.text:
                lines += [clause.text, ""]
            if clause.notice:
                lines += [f"> **Note:** {clause.notice}", ""]
            lines += [f"**Verification:** {clause.verification}" if clause.verification
                      else f"> **Verification missing:** {VERIFICATION_MISSING}", ""]
            lines += [f"**Source:** {clause.source}", ""]
    return "\n".join(lines).rstrip() + "\n"


def tender_docx(criteria_set: CriteriaSet) -> bytes:
    """The clauses as a Word document (headings, paragraphs) a buyer can paste into tender documents."""
    groups = grouped_clauses(criteria_set)
    missing = unfinished(groups)
    title = _title(criteria_set, missing)
    document = Document()
    document.core_properties.title = title
    if missing:
        document.core_properties.keywords = DRAFT_MARK
    document.add_heading(title, level=0)
    for index, paragraph in enumerate(_preamble(criteria_set, missing)):
        run = document.add_paragraph().add_run(paragraph)
        run.bold = bool(missing and index == 0)
    for heading, clauses in groups:
        document.add_heading(heading, level=1)
        for clause in clauses:
            document.add_heading(f"{clause.code} {clause.title}", level=2)
            document.add_paragraph(f"{clause.level} level").runs[0].italic = True
            if clause.text:
                document.add_paragraph(clause.text)
            if clause.notice:
                _labelled(document, "Note: ", clause.notice)
            if clause.verification:
                _labelled(document, "Verification: ", clause.verification)
            else:
                _labelled(document, "Verification missing: ", VERIFICATION_MISSING)
            _labelled(document, "Source: ", clause.source)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _labelled(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(value)
