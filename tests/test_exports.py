"""CSV and XLSX exports of a summary: only public figures, in every cell; formula-safe CSV."""

import csv
import io

import openpyxl

from alliance.summaries.exports import csv_safe
from tests.factories import SUPPRESSED_FIGURES, make_pledging_round, make_summary

HIDDEN_NUMBERS = {value for figures in SUPPRESSED_FIGURES.values() for value in figures.values()}
HIDDEN_TEXTS = {text for value in HIDDEN_NUMBERS for text in (str(value), f"{value / 100:.2f}", f"{value:,}")}


def _assert_safe(cells) -> None:
    """No cell holds a suppressed figure (as a number, a major-unit amount or text), none says 0 for one."""
    for cell in cells:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            assert cell not in HIDDEN_NUMBERS and round(cell * 100) not in HIDDEN_NUMBERS, cell
        elif cell is not None:
            assert str(cell).strip() not in HIDDEN_TEXTS, cell


def test_csv_safe_escapes_formulas_and_keeps_numbers():
    assert csv_safe("=1+2") == "'=1+2"
    assert csv_safe("+SUM(A1)") == "'+SUM(A1)"
    assert csv_safe("-cmd|' /C calc'!A0") == "'-cmd|' /C calc'!A0"
    assert csv_safe("  =HYPERLINK(\"http://x\")") == "'  =HYPERLINK(\"http://x\")"
    assert csv_safe("@SUM(1)") == "'@SUM(1)"
    assert csv_safe("\tx") == "'\tx" and csv_safe("\rx") == "'\rx"
    assert csv_safe(-250) == -250 and csv_safe("-15000.00") == "-15000.00"
    assert csv_safe("Portable computers") == "Portable computers" and csv_safe(None) == ""


def test_csv_has_only_public_figures(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    response = client.get(f"/api/v1/summaries/{summary_id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert 'filename="ict-summary-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["view", "cpv_code", "category"]
    _assert_safe(cell for row in rows for cell in row)
    for hidden in (text for text in HIDDEN_TEXTS if len(text) >= 4):  # short ones are checked per cell
        assert hidden not in response.data.decode("utf-8-sig"), hidden
    by = {(row[0], row[4] or row[5] or row[6] or row[1]): dict(zip(header, row, strict=True)) for row in body}
    assert by[("total", "30213100-6")]["quantity"] == "12000"
    assert by[("total", "30213100-6")]["estimated_value"] == "9600000.00"
    suppressed = by[("quarter", "2027-Q2")]
    assert suppressed["quantity"] == "" and suppressed["estimated_value"] == "" and suppressed["buyers"] == ""
    assert suppressed["note"] == "one buyer holds more than 80% of the volume"
    assert by[("country", "DK")]["note"] == "fewer than 30 buyers"
    # A category name that is a formula is neutralised; a negative change stays a number.
    monitors = by[("total", "30231310-3")]
    assert monitors["category"].startswith("'=HYPERLINK")
    change = next(row for row in body if row[0] == "change_since_previous_release")
    assert change[7] == "-250" and change[8] == "-15000.00"


def test_xlsx_has_a_sheet_per_view_and_only_public_figures(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    response = client.get(f"/api/v1/summaries/{summary_id}.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == ["About", "Per category", "Per quarter", "Per country", "Per level", "Readiness",
                                   "Impact"]
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    _assert_safe(cells)
    assert 12000 in cells and 9600000 in cells and "fewer than 30 buyers" in cells
    assert "fewer than 30 suppliers" in cells and 0 not in cells
    formulas = [c for c in cells if isinstance(c, str) and c.startswith("=")]
    assert formulas == ['=HYPERLINK("http://evil.example")']  # stored as text, not as a formula
    raw = openpyxl.load_workbook(io.BytesIO(response.data))
    per_category = raw["Per category"]
    assert per_category["B3"].data_type == "s"


def test_exports_follow_the_summary_views(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world, views=())
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/summaries/{summary_id}.xlsx").data))
    assert workbook.sheetnames == ["About", "Per category"]
    rows = list(csv.reader(io.StringIO(client.get(f"/api/v1/summaries/{summary_id}.csv").data.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"total", "change_since_previous_release"}


def test_drafts_and_withdrawn_summaries_are_not_exported(app, client):
    world = make_pledging_round(app)
    draft_id = make_summary(app, world, status="draft")
    withdrawn_id = make_summary(app, world, status="withdrawn")
    for extension in ("csv", "xlsx", "ocds.json"):
        assert client.get(f"/api/v1/summaries/{draft_id}.{extension}").status_code == 404
        gone = client.get(f"/api/v1/summaries/{withdrawn_id}.{extension}")
        assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "withdrawn"


def test_export_etag_gives_304(app, client):
    world = make_pledging_round(app)
    summary_id = make_summary(app, world)
    first = client.get(f"/api/v1/summaries/{summary_id}.csv")
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/summaries/{summary_id}.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
