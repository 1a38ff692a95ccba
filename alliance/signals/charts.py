"""Server-side SVG bar charts: no scripts, no style attributes (the CSP forbids inline styles), only
presentation attributes and classes from style.css. Each chart has role="img", a <title> and a <desc>;
the page shows the same figures as a table, which is the text alternative. A suppressed figure is drawn
as a gap with its label, never as a bar of 0.

Charts are drawn when a page is rendered, so titles, labels, figures and the text alternative are in the
reader's language (the snapshot stores codes, figures and English reasons; reason_text translates them)."""

import textwrap
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from alliance.disclosure.wording import reason_of, reason_text
from alliance.units import unit_label

ROW_HEIGHT = 30
LINE_HEIGHT = 18  # each further line of a wrapped gap label
FONT_SIZE = 14
CHAR_WIDTH = 8  # a generous average advance at FONT_SIZE, to size the label and value columns
BAR_WIDTH = 240  # even, so a half-size value gets exactly half the bar
PLOT_MIN_WIDTH = 320  # bars and their values; a gap label wraps to fit
GAP = 8


# The two ambition levels of the EU GPP criteria, as a bar is labelled.
LEVEL_LABELS = {"core": _l("Core"), "comprehensive": _l("Comprehensive")}


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: suppressed
    note: str = ""  # the reason shown in the gap of a suppressed bar, in the reader's language
    series: str = "primary"  # a class: primary | secondary


def _number(value: int) -> str:
    """15020 → "15,020" (en), "15 020" (fr); English outside a request (a chart drawn by a script)."""
    return format_decimal(value, locale=str(get_locale() or "en"))


def _text_width(text: str) -> int:
    return len(text) * CHAR_WIDTH


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar], unit: str = "") -> Markup:
    """A horizontal bar chart as inline SVG markup, drawn at its natural size in pixels (so its text is as
    large as the page's small print; CSS scales it down only in a narrower column). A long gap label wraps
    onto further lines rather than widening the chart."""
    largest = max((bar.value for bar in bars if bar.value is not None), default=0) or 1
    values = [f"{_number(bar.value)}{(' ' + unit) if unit else ''}" if bar.value is not None else "" for bar in bars]
    label_width = max((_text_width(bar.label) for bar in bars), default=0) + 2 * GAP
    plot_width = max(BAR_WIDTH + max((_text_width(v) for v in values), default=0) + GAP, PLOT_MIN_WIDTH)
    width = label_width + plot_width
    gap_texts = [_("suppressed: %(reason)s", reason=bar.note) if bar.value is None else "" for bar in bars]
    gap_lines = [textwrap.wrap(text, (plot_width - 2 * GAP) // CHAR_WIDTH) for text in gap_texts]
    heights = [ROW_HEIGHT + LINE_HEIGHT * max(len(lines) - 1, 0) for lines in gap_lines]
    height = sum(heights) + GAP if bars else ROW_HEIGHT + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet" font-size="{FONT_SIZE}" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{label_width}" y1="0" x2="{label_width}" y2="{height}" stroke="#8a949e"/>',
    ]
    y = GAP // 2
    for bar, value, gap_text, lines, row_height in zip(bars, values, gap_texts, gap_lines, heights, strict=True):
        text_y = y + ROW_HEIGHT // 2 + 5
        parts.append(f'<text x="{label_width - GAP}" y="{text_y}" text-anchor="end" fill="currentColor">'
                     f"{escape(bar.label)}</text>")
        if bar.value is None:
            spans = "".join(
                f'<tspan x="{label_width + GAP}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
                for i, line in enumerate(lines)
            )
            parts.append(
                f'<g><title>{escape(gap_text)}</title>'
                f'<rect class="chart-gap" x="{label_width}" y="{y + 4}" width="{plot_width - 1}" '
                f'height="{row_height - 8}" fill="none" stroke="#767676" stroke-dasharray="4 3"/>'
                f'<text class="chart-gap-label" y="{text_y}" fill="#4f5b66">{spans}</text></g>'
            )
        else:
            length = max(round(BAR_WIDTH * bar.value / largest), 1 if bar.value else 0)
            fill = "#1d6b47" if bar.series == "primary" else "#6c4a9e"
            parts.append(
                f'<rect class="chart-bar chart-{escape(bar.series)}" x="{label_width}" y="{y + 4}" '
                f'width="{length}" height="{ROW_HEIGHT - 8}" fill="{fill}"/>'
                f'<text x="{label_width + length + 6}" y="{text_y}" fill="currentColor">{escape(value)}</text>'
            )
        y += row_height
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and figure is escaped above)


def demand_charts(view: dict, category: dict) -> dict[str, Markup]:
    """The dashboard's charts for one category of a snapshot view: per quarter, per country, per level."""
    code = category["cpv_code"]
    slug = code.replace("-", "")
    name = category["name"]

    def bars(table: str, label_field: str, series=lambda row: "primary", label=str) -> list[Bar]:
        return [
            Bar(label=label(row[label_field]), value=row["quantity"], note=reason_text(reason_of(row)),
                series=series(row))
            for row in view[table] if row["category"] == code
        ]

    def level_label(level: str) -> str:
        return str(LEVEL_LABELS.get(level, level))

    unit = unit_label(category["unit"])
    return {
        "quarter": bar_chart(f"q-{slug}", _("%(category)s: pledged quantity per delivery quarter", category=name),
                             _("Bars per quarter; the table below gives the same figures."),
                             bars("by_quarter", "quarter"), unit),
        "country": bar_chart(f"c-{slug}", _("%(category)s: pledged quantity per country", category=name),
                             _("Bars per country (ISO 3166 code); the table below gives the same figures."),
                             bars("by_country", "country"), unit),
        "level": bar_chart(f"l-{slug}", _("%(category)s: core and comprehensive criteria", category=name),
                           _("Pledged quantity at the core and at the comprehensive level; see the table below."),
                           bars("by_level", "level",
                                lambda row: "secondary" if row["level"] == "comprehensive" else "primary",
                                label=level_label),
                           unit),
    }
