"""Server-side SVG charts: accessible, no inline style or script, suppressed values drawn as labelled gaps."""

import re

from alliance.signals.charts import Bar, bar_chart


def test_chart_is_accessible_and_csp_safe():
    svg = str(bar_chart("q-1", "Laptops per quarter", "Bars per quarter", [Bar("2027-Q1", 120), Bar("2027-Q2", 60)]))
    assert 'role="img"' in svg and 'aria-labelledby="q-1-title q-1-desc"' in svg
    assert '<title id="q-1-title">Laptops per quarter</title>' in svg and "<desc" in svg
    assert "style=" not in svg and "<script" not in svg and "on" + "load" not in svg
    widths = [int(w) for w in re.findall(r'class="chart-bar[^"]*" x="\d+" y="\d+" width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]


def test_suppressed_value_is_a_gap_with_its_reason_never_zero():
    svg = str(bar_chart("c", "t", "d", [Bar("SE", 100), Bar("DK", None, "fewer than 3 buyers")]))
    assert "suppressed: fewer than 3 buyers" in svg and 'class="chart-gap"' in svg
    assert svg.count('class="chart-bar') == 1 and ">0<" not in svg


def test_labels_are_escaped():
    svg = str(bar_chart("x", "<b>", "d", [Bar("<script>", 1)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
