"""Server-side SVG bar charts: no scripts, no style attributes (the CSP forbids inline styles), only
presentation attributes and classes from style.css. Each chart has role="img", a <title> and a <desc>;
the page shows the same figures as a table, which is the text alternative. A suppressed figure is drawn
as a gap with its label, never as a bar of 0."""

from dataclasses import dataclass

from markupsafe import Markup, escape

ROW_HEIGHT = 28
LABEL_WIDTH = 150
BAR_WIDTH = 380
VALUE_WIDTH = 190


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: suppressed
    note: str = ""  # the reason shown in the gap of a suppressed bar
    series: str = "primary"  # a class: primary | secondary


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar], unit: str = "") -> Markup:
    """A horizontal bar chart as inline SVG markup."""
    largest = max((bar.value for bar in bars if bar.value is not None), default=0) or 1
    height = ROW_HEIGHT * max(len(bars), 1) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet" font-size="13" font-family="sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * ROW_HEIGHT
        text_y = y + ROW_HEIGHT // 2 + 4
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" fill="currentColor">'
                     f"{escape(bar.label)}</text>")
        if bar.value is None:
            parts.append(
                f'<rect class="chart-gap" x="{LABEL_WIDTH}" y="{y + 4}" width="{BAR_WIDTH}" '
                f'height="{ROW_HEIGHT - 8}" fill="none" stroke="#767676" stroke-dasharray="4 3"/>'
                f'<text class="chart-gap-label" x="{LABEL_WIDTH + 8}" y="{text_y}" fill="#595959">'
                f"suppressed: {escape(bar.note)}</text>"
            )
            continue
        length = max(round(BAR_WIDTH * bar.value / largest), 1 if bar.value else 0)
        fill = "#1d6b47" if bar.series == "primary" else "#6c4a9e"
        parts.append(
            f'<rect class="chart-bar chart-{escape(bar.series)}" x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" '
            f'height="{ROW_HEIGHT - 8}" fill="{fill}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{text_y}" fill="currentColor">'
            f"{bar.value:,}{(' ' + escape(unit)) if unit else ''}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and figure is escaped above)


def demand_charts(view: dict, category: dict) -> dict[str, Markup]:
    """The dashboard's charts for one category of a snapshot view: per quarter, per country, per level."""
    code = category["cpv_code"]
    slug = code.replace("-", "")
    name = category["name"]

    def bars(table: str, label_field: str, series=lambda row: "primary") -> list[Bar]:
        return [
            Bar(label=row[label_field], value=row["quantity"], note=row["reason"] or "", series=series(row))
            for row in view[table] if row["category"] == code
        ]

    return {
        "quarter": bar_chart(f"q-{slug}", f"{name}: pledged quantity per delivery quarter",
                             "Bars per quarter; the table below gives the same figures.",
                             bars("by_quarter", "quarter"), category["unit"]),
        "country": bar_chart(f"c-{slug}", f"{name}: pledged quantity per country",
                             "Bars per country (ISO 3166 code); the table below gives the same figures.",
                             bars("by_country", "country"), category["unit"]),
        "level": bar_chart(f"l-{slug}", f"{name}: core and comprehensive criteria",
                           "Pledged quantity at the core and at the comprehensive level; see the table below.",
                           bars("by_level", "level",
                                lambda row: "secondary" if row["level"] == "comprehensive" else "primary"),
                           category["unit"]),
    }
