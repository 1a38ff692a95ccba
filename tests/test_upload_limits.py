"""Hostile pledge uploads, built here with zipfile: a workbook that unpacks to far more than it weighs, one with
thousands of parts, one whose <dimension> lies about its size, and CSVs with old Mac line ends. Each is imported
whole or refused with a clear message; none is parsed beyond the bounds."""

import io
import re
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import PendingJob, Pledge, User
from alliance.pledges import importing
from alliance.pledges.access import load_round
from tests.factories import csrf_token, login, make_pledging_round

HEADER = "category,criteria_version,level,quantity,estimated_value,currency,delivery_quarter,country,region,status"
ROW = ["30213100-6", 2, "core", 150, "135000.00", "EUR", "2027-Q3", "SE", "SE110", "submitted"]


@pytest.fixture
def world(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PLEDGE_IMPORT_FOLDER", str(tmp_path))
    return make_pledging_round(app)


def _workbook(rows: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER.split(","))
    for index in range(rows):
        sheet.append([*ROW[:3], 100 + index, *ROW[4:]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    """The workbook with change(name, bytes) -> bytes applied to each part (and parts added by change(None))."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, content in change(None, None) or ():
            target.writestr(name, content)
    return out.getvalue()


def _state_dimension(content: bytes, ref: bytes) -> bytes:
    """The sheet XML with <dimension ref=...> set (openpyxl's write-only mode writes none)."""
    content = re.sub(rb'<dimension ref="[^"]*"/>', b"", content)
    return re.sub(rb"(<sheetViews|<sheetFormatPr|<cols|<sheetData)", b'<dimension ref="' + ref + b'"/>\\1', content,
                  count=1)


def _import(app, world, data, filename="pledges.xlsx"):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == world.a))
        result = importing.import_file(load_round(user, world.round_id), data, filename)
        db.session.commit() if result.ok else db.session.rollback()
        return result


def _pledges(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Pledge))


def _post(app, world, data, filename):
    client = app.test_client()
    login(client, world.a)
    url = f"/pledges/rounds/{world.round_id}/import"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_shared_strings_that_unpack_to_gigabytes_are_refused_before_parsing(app, world):
    bomb_part = b"<sst><si><t>" + b"A" * (150 * 1024 * 1024) + b"</t></si></sst>"
    bomb = _rewrite(_workbook(1), lambda name, content: content if name else [("xl/sharedStrings2.xml", bomb_part)])
    assert len(bomb) < 1024 * 1024  # under a megabyte uploaded
    result = _import(app, world, bomb)
    assert result.file_error and "unpacks to 150 MB" in result.file_error and "at most 100 MB" in result.file_error
    assert _pledges(app) == 0
    response = _post(app, world, bomb, "bomb.xlsx")  # the web page says so too, and keeps the request small
    assert response.status_code == 200 and "unpacks to 150 MB" in response.get_data(as_text=True)


def test_a_part_compressed_suspiciously_well_is_refused(app, world):
    part = b"<x>" + b"0" * (20 * 1024 * 1024) + b"</x>"  # 20 MB, within the total, but a ratio of ~1000
    data = _rewrite(_workbook(1), lambda name, content: content if name else [("xl/media/padding.xml", part)])
    result = _import(app, world, data)
    assert "compressed suspiciously well" in result.file_error


def test_a_workbook_of_thousands_of_parts_is_refused(app, world):
    parts = [(f"xl/extra/{index}.xml", b"<x/>") for index in range(importing.MAX_XLSX_MEMBERS + 1)]
    data = _rewrite(_workbook(1), lambda name, content: content if name else parts)
    assert "parts" in _import(app, world, data).file_error


def test_a_dimension_that_understates_the_rows_reads_every_row(app, world):
    """<dimension ref="A1:J2"> on a sheet of 20,000 rows: all 20,000 are counted and read, not one."""
    def lie(name, content):
        if name is None:
            return None
        return _state_dimension(content, b"A1:J2") if name.startswith("xl/worksheets/") else content

    data = _rewrite(_workbook(20_000), lie)
    assert openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row == 2  # the lie
    assert importing.estimate_rows(data, "p.xlsx") == 20_001  # so it goes to a worker, not the request
    assert sum(1 for _ in importing.read_rows(data, "p.xlsx")) == 20_000


def test_a_lying_dimension_imports_every_row(app, world):
    data = _rewrite(_workbook(2_500), lambda name, content: (
        _state_dimension(content, b"A1:J2") if name.startswith("xl/worksheets/") else content) if name else None)
    result = _import(app, world, data)
    assert result.ok and result.imported == 2_500 and _pledges(app) == 2_500


def test_a_lying_dimension_with_one_bad_row_far_below_stores_nothing(app, world):
    def lie(name, content):
        if name and name.startswith("xl/worksheets/"):
            content = _state_dimension(content, b"A1:J2")
        return content if name else None

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER.split(","))
    for index in range(300):
        sheet.append([*ROW[:3], 100 + index, *ROW[4:7], "QQ" if index == 299 else "SE", *ROW[8:]])
    out = io.BytesIO()
    book.save(out)
    result = _import(app, world, _rewrite(out.getvalue(), lie))
    assert not result.ok and [line for line, _ in result.errors] == [301]
    assert _pledges(app) == 0


@pytest.mark.parametrize("line_end", ["\r", "\n", "\r\n"])
def test_csv_lines_are_counted_the_way_the_parser_reads_them(line_end):
    data = line_end.join([HEADER, *[",".join(map(str, ROW))] * 2500]).encode() + line_end.encode()
    assert importing.estimate_rows(data, "p.csv") == 2501
    assert sum(1 for _ in importing.read_rows(data, "p.csv")) == 2500


def test_a_large_cr_only_csv_goes_to_the_worker(app, world):
    data = "\r".join([HEADER, *[",".join(map(str, ROW))] * (importing.BACKGROUND_ROWS + 5)]).encode()
    response = _post(app, world, data, "mac.csv")
    assert response.status_code == 302 and "/pledges/imports/" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingJob)) == 1
    assert _pledges(app) == 0  # nothing imported inside the request


def test_a_small_cr_only_csv_imports_in_the_request(app, world):
    data = "\r".join([HEADER, *[",".join(map(str, ROW))] * 3]).encode()
    response = _post(app, world, data, "mac.csv")
    assert response.status_code == 302 and _pledges(app) == 3
