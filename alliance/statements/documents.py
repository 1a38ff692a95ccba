"""A published joint statement as a document: its sections as plain data, then as PDF (fpdf2, with the
DejaVu Sans font shipped in alliance/static/fonts because the PDF core fonts are Latin-1 only) and as DOCX
(python-docx). Rendered on the server from the database alone; nothing is fetched.

The market signal quotes the cited summary's disclosure-controlled figures only (its public snapshot data):
a hidden figure says it is hidden and why, never 0.
"""

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF
from markdown_it import MarkdownIt

from alliance.formatting import country_name, format_money
from alliance.models import JointStatement
from alliance.signals.tables import Money, Share, Suppressed, headline, summary_tables
from alliance.statements.operations import Signatory, commitment_sentence

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
_md = MarkdownIt("commonmark", {"html": False})
# fpdf2 subsets the font through fontTools, which logs dozens of INFO lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass
class Section:
    heading: str
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (paragraph | bullet | numbered, text)


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """Markdown as plain (kind, text) blocks: paragraphs and list items, emphasis and links as plain text
    (a link keeps its address in brackets, so cited evidence stays citable on paper)."""
    blocks, in_list = [], None
    for token in _md.parse(text or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list = "bullet" if token.type.startswith("bullet") else "numbered"
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list = None
        elif token.type == "inline":
            parts, href = [], None
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif child.type == "link_open":
                    href = child.attrGet("href")
                elif child.type == "link_close" and href:
                    parts.append(f" ({href})")
                    href = None
            blocks.append((in_list or "paragraph", "".join(parts).strip()))
    return [block for block in blocks if block[1]]


def _value(value) -> str:
    if isinstance(value, Suppressed):
        return f"hidden ({value.reason})"
    if isinstance(value, Money):
        return format_money(value.minor, value.currency)
    if isinstance(value, Share):
        return f"{value.fraction * 100:.0f} %"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value or "—")


def market_signal_lines(statement: JointStatement) -> list[str]:
    """The cited summary's headline and per-category figures as sentences."""
    summary = statement.summary
    if summary is None or summary.status not in ("published", "superseded"):
        return []
    lines = []
    overall = headline(summary)
    if overall:
        lines.append(f"Pooled estimated value: {_value(overall['value'])}; buyers: {_value(overall['buyers'])}; "
                     f"countries: {_value(overall['countries'])}.")
    total = next((table for table in summary_tables(summary) if table.key == "total"), None)
    for row in total.rows if total else []:
        cpv, name, unit, quantity, value, buyers, share = row
        if isinstance(quantity, Suppressed):
            lines.append(f"{name} (CPV {cpv}): figures hidden ({quantity.reason}).")
            continue
        lines.append(f"{name} (CPV {cpv}): quantity {_value(quantity)} {unit}; estimated value {_value(value)}; "
                     f"buyers {_value(buyers)}; comprehensive level {_value(share)} of value.")
    return lines


def sections(statement: JointStatement, signatories: list[Signatory], summary_url: str | None) -> list[Section]:
    """The statement's sections in reading order, shared by the PDF and the DOCX."""
    result = [Section("Preamble", markdown_blocks(statement.preamble))]
    commitments = Section("Commitments")
    for commitment in statement.commitments:
        commitments.blocks.append(("numbered", commitment_sentence(commitment)
                                   + (f" {commitment.note}" if commitment.note else "")))
    result.append(commitments)
    signal = Section("Market signal", [("bullet", line) for line in market_signal_lines(statement)])
    signal.blocks += markdown_blocks(statement.market_conditions)
    if summary_url:
        signal.blocks.append(("paragraph", f"Published demand summary: {summary_url}"))
    result.append(signal)
    result.append(Section("Working group and coordinators", markdown_blocks(statement.working_group)))
    result.append(Section("Legal nature of this statement", markdown_blocks(statement.legal_nature)))
    result.append(Section("Signatories", [
        ("bullet", f"{signatory.name} ({country_name(signatory.country)}), signed {signatory.signed_at:%Y-%m-%d}")
        for signatory in signatories] or [("paragraph", "No signatures yet.")]))
    return [section for section in result if section.blocks]


def subtitle(statement: JointStatement) -> str:
    alliance = statement.demand_round.alliance
    date = statement.statement_date.isoformat() if statement.statement_date else "undated"
    state = "" if statement.status == "published" else f" ({statement.status.upper()})"
    return (f"Joint statement of demand of {alliance.name} · {statement.demand_round.title} · "
            f"edition {statement.edition}{state} · {date}")


def statement_pdf(statement: JointStatement, signatories: list[Signatory], page_url: str,
                  summary_url: str | None) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(statement.title)
    pdf.set_creator("alliance")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 8, statement.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 5, subtitle(statement), new_x="LMARGIN", new_y="NEXT")
    for section in sections(statement, signatories, summary_url):
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(width, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        number = 0
        for kind, text in section.blocks:
            number = number + 1 if kind == "numbered" else 0
            prefix = {"bullet": "•  ", "numbered": f"{number}.  "}.get(kind, "")
            pdf.multi_cell(width, 5, prefix + text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 4, f"This document: {page_url}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def statement_docx(statement: JointStatement, signatories: list[Signatory], page_url: str,
                   summary_url: str | None) -> bytes:
    document = Document()
    document.core_properties.title = statement.title
    document.add_heading(statement.title, level=0)
    document.add_paragraph(subtitle(statement)).runs[0].font.size = Pt(9)
    # Look the list styles up once: python-docx searches the style table on every lookup by name.
    styles = {"bullet": document.styles["List Bullet"], "numbered": document.styles["List Number"]}
    for section in sections(statement, signatories, summary_url):
        document.add_heading(section.heading, level=1)
        for kind, text in section.blocks:
            document.add_paragraph(text, style=styles.get(kind))
    document.add_paragraph(f"This document: {page_url}").runs[0].font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
