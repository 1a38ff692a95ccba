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


def _view(code="30213100-6") -> dict:
    def row(**fields):
        return {"category": code, "quantity": None, "reason": None} | fields

    return {
        "by_quarter": [row(quarter="2027-Q1", quantity=15020), row(quarter="2027-Q2", reason="fewer than 3 buyers")],
        "by_country": [row(country="SE", quantity=15020),
                       row(country="DE", reason="one buyer holds more than 80% of the volume")],
        "by_level": [row(level="core", quantity=15020), row(level="comprehensive", quantity=700)],
    }


def test_charts_speak_the_reader_language_at_render_time(app):
    from alliance.signals.charts import demand_charts

    category = {"cpv_code": "30213100-6", "name": "Portable computers", "unit": "C62"}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        french = {name: str(svg) for name, svg in demand_charts(_view(), category).items()}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = {name: str(svg) for name, svg in demand_charts(_view(), category).items()}
    assert "Portable computers : quantité engagée par trimestre de livraison</title>" in french["quarter"]
    assert "le tableau ci-dessous donne les mêmes chiffres" in french["quarter"]  # the text alternative
    assert "masqué : moins de 3 acheteurs" in french["quarter"]  # the stored English reason, translated
    assert "15\u202f020 unités" in french["quarter"]  # French digit grouping, the unit named in French
    assert "un acheteur détient plus de 80" in french["country"]
    assert ">Essentiel<" in french["level"] and ">Complet<" in french["level"]
    assert "Portable computers: pledged quantity per delivery quarter</title>" in english["quarter"]
    assert "suppressed: fewer than 3 buyers" in english["quarter"] and "15,020" in english["quarter"]
    assert ">Core<" in english["level"]
