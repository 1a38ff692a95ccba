"""Pledge import from CSV and XLSX: all rows or none, every bad line reported, large files in a worker."""

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.models import PendingJob, Pledge, PledgeRevision, User
from alliance.pledges import importing
from alliance.pledges.access import load_round
from tests.factories import csrf_token, login, make_pledging_round

HEADER = "category,criteria_version,level,quantity,estimated_value,currency,delivery_quarter,country,region,status"
GOOD = "30213100-6,2,core,150,135000.00,EUR,2027-Q3,SE,SE110,submitted"


@pytest.fixture
def world(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PLEDGE_IMPORT_FOLDER", str(tmp_path))
    return make_pledging_round(app)


def _csv(*lines, header=HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def _import(app, world, data, filename="pledges.csv"):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == world.a))
        result = importing.import_file(load_round(user, world.round_id), data, filename)
        db.session.commit() if result.ok else db.session.rollback()
        return result


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Pledge, PledgeRevision))


def test_valid_csv_imports_every_row_with_revisions(app, world):
    monitors = "30231310-3,,comprehensive,40,7600,EUR,2027-Q4,SE,,draft"
    result = _import(app, world, _csv(GOOD, monitors, "", GOOD.replace("150", '"1,500"')))
    assert result.ok and result.imported == 3
    assert _counts(app) == (3, 3)
    with app.app_context():
        rows = db.session.execute(sa.select(Pledge.quantity, Pledge.status, Pledge.version).order_by(Pledge.id)).all()
        assert rows == [(150, "submitted", 1), (40, "draft", 1), (1500, "submitted", 1)]
        revision = db.session.scalars(sa.select(PledgeRevision).order_by(PledgeRevision.id)).first()
        assert revision.action == "imported" and revision.data["category"] == "30213100-6"
        assert db.session.scalar(sa.select(PendingJob.job_id)).startswith("compile_signals-round-")


def test_semicolon_csv_with_bom_is_read(app, world):
    data = "\ufeff".encode() + _csv(GOOD.replace(",", ";"), header=HEADER.replace(",", ";"))
    assert _import(app, world, data).imported == 1


def test_every_bad_row_reported_with_line_and_nothing_stored(app, world):
    lines = [GOOD, GOOD.replace("150", "0"), GOOD.replace("150", "-2"), GOOD.replace("150", "99999999999999"),
             GOOD.replace("150", "abc"), GOOD.replace("EUR", "XYZ"), GOOD.replace("2027-Q3", "2030-Q1"),
             GOOD.replace(",2,", ",1,"), GOOD.replace("submitted", "maybe"), GOOD + ",extra"]
    result = _import(app, world, _csv(*lines))
    assert not result.ok and result.error_count == 9
    reasons = dict(result.errors)
    assert "at least 1" in reasons[3] and "negative" in reasons[4] and "too large" in reasons[5]
    assert "not a number" in reasons[6] and "ISO 4217" in reasons[7] and "outside the round's delivery" in reasons[8]
    assert "retired; pledge to version 2" in reasons[9] and "draft or submitted" in reasons[10]
    assert "header has 10 columns" in reasons[11]
    assert _counts(app) == (0, 0)


def test_only_the_first_200_errors_are_listed_but_all_counted(app, world):
    result = _import(app, world, _csv(*[GOOD.replace("150", "0")] * 450))
    assert result.error_count == 450 and len(result.errors) == 200 and result.errors[0][0] == 2


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "x.csv", "empty"),
    (_csv(GOOD, header="category,level,quantity"), "x.csv", "missing column(s): estimated_value, currency"),
    (_csv(GOOD, header=HEADER + ",quantitty"), "x.csv", "unknown column(s): quantitty"),
    ("category,quantité\n".encode("latin-1"), "x.csv", "not UTF-8"),
    (HEADER.encode() + b'\n"30213100-6,2,core\n', "x.csv", "malformed"),
    (b"PK\x03\x04not really a zip", "x.xlsx", "not a readable Excel workbook"),
    (b"plain text", "x.xlsx", "not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "x.xls", ".xls files are not supported"),
    (_csv(), "x.csv", "no pledge lines"),
])
def test_unreadable_files_get_a_clear_error(app, world, data, filename, message):
    result = _import(app, world, data, filename)
    assert not result.ok and message in result.file_error
    assert _counts(app) == (0, 0)


def test_too_many_rows_is_refused(app, world, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    result = _import(app, world, _csv(*[GOOD] * 6))
    assert "more than 5 rows" in result.file_error and _counts(app) == (0, 0)


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_numbers_and_trailing_blank_rows(app, world):
    data = _xlsx([HEADER.split(","), ["30213100-6", 2.0, "core", 150.0, 1234.5, "EUR", "2027-Q3", "SE", None, "draft"],
                  [None] * 10, ["30213100-6", 2, "core", "x", 1, "EUR", "2027-Q3", "SE", None, "draft"]])
    result = _import(app, world, data, "pledges.xlsx")
    assert result.errors == [(4, "quantity: 'x' is not a number; give a whole number of units.")]
    data = _xlsx([HEADER.split(","), ["30213100-6", 2.0, "core", 150.0, 1234.5, "EUR", "2027-Q3", "SE", None, "draft"],
                  [None] * 10])
    result = _import(app, world, data, "pledges.xlsx")
    assert result.ok and result.imported == 1
    with app.app_context():
        assert db.session.scalar(sa.select(Pledge.value_minor)) == 123450


def test_non_member_and_closed_round_import_nothing(app, world):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == world.outsider))
        result = importing.import_file(load_round(user, world.round_id), _csv(GOOD), "x.csv")
        assert "not a member" in result.file_error
    assert _counts(app) == (0, 0)


# --- pages ---------------------------------------------------------------------------------------------------

def _upload(client, world, data, filename="pledges.csv"):
    path = f"/pledges/rounds/{world.round_id}/import"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_small_file_imports_in_the_request(app, client, world):
    login(client, world.a)
    response = _upload(client, world, _csv(GOOD, GOOD))
    assert response.status_code == 302
    assert "2 pledges imported." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_bad_file_page_lists_lines(app, client, world):
    login(client, world.a)
    html = _upload(client, world, _csv(GOOD, GOOD.replace("150", "-1"))).get_data(as_text=True)
    assert "Nothing was imported" in html and "<td>3</td>" in html and "cannot be negative" in html
    assert _counts(app) == (0, 0)


def test_supplier_and_outsider_cannot_open_the_import(app, world):
    for who in ("supplier", "outsider"):
        client = app.test_client()
        login(client, world[who])
        assert client.get(f"/pledges/rounds/{world.round_id}/import").status_code == 403


def test_file_over_the_size_limit_is_refused_clearly(app, client, world, monkeypatch):
    login(client, world.a)
    path = f"/pledges/rounds/{world.round_id}/import"
    token = csrf_token(client, path)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = client.post(path, data={"csrf_token": token, "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "larger than 1 MB" in response.get_data(as_text=True)
    assert _counts(app) == (0, 0)


def test_the_offered_template_imports_unchanged(app, client, world):
    login(client, world.a)
    page = client.get(f"/pledges/rounds/{world.round_id}/import").get_data(as_text=True)
    template_url = f"/pledges/rounds/{world.round_id}/import-template.csv"
    assert f'href="{template_url}"' in page
    response = client.get(template_url)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    template = response.get_data()
    assert template.decode().startswith(HEADER) and b",2,core," in template  # laptops' published version
    response = _upload(client, world, template)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _counts(app)[0] == 2  # laptops and monitors, as drafts


def test_large_file_imports_in_a_worker_with_a_progress_page(app, client, world, run_worker):
    login(client, world.a)
    lines = [GOOD.replace("150", str(100 + i)) for i in range(importing.BACKGROUND_ROWS + 10)]
    response = _upload(client, world, _csv(*lines))
    assert response.status_code == 302 and "/pledges/imports/" in response.headers["Location"]
    progress_url = response.headers["Location"]
    waiting = client.get(progress_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in waiting and "<progress" in waiting and "progress.js" in waiting
    assert _counts(app) == (0, 0)
    other = app.test_client()
    login(other, world.b)
    assert other.get(progress_url).status_code == 404
    with app.app_context():
        upload_name = db.session.scalar(sa.select(PendingJob).where(PendingJob.job_id.like("import_pledges-%"))).args[0]
        assert importing.upload_path(upload_name).exists()
    run_worker()
    done = client.get(progress_url).get_data(as_text=True)
    assert f"{len(lines):,} pledges imported." in done and 'http-equiv="refresh"' not in done
    assert _counts(app) == (len(lines), len(lines))
    with app.app_context():
        upload_name = db.session.scalar(sa.select(PendingJob).where(PendingJob.job_id.like("import_pledges-%"))).args[0]
        assert not importing.upload_path(upload_name).exists()


def test_a_worker_reports_in_the_language_of_the_upload_page(app, client, world, run_worker):
    """The job has no request: it writes its progress and the problems in the language the file was sent in."""
    login(client, world.a)
    lines = [GOOD] * (importing.BACKGROUND_ROWS + 5) + [GOOD.replace("SE,SE110", "QQ,")]
    path = f"/pledges/rounds/{world.round_id}/import"
    progress_url = client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(_csv(*lines)),
                               "pledges.csv")}, content_type="multipart/form-data",
                               headers={"Accept-Language": "es"}).headers["Location"]
    run_worker()
    html = client.get(progress_url, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Indique el país de entrega con su código ISO 3166 de dos letras" in html
    assert "Give the delivery country" not in html and _counts(app) == (0, 0)


def test_large_bad_file_in_a_worker_stores_nothing(app, client, world, run_worker):
    login(client, world.a)
    lines = [GOOD] * (importing.BACKGROUND_ROWS + 5) + [GOOD.replace("SE,SE110", "QQ,")]
    progress_url = _upload(client, world, _csv(*lines)).headers["Location"]
    run_worker()
    html = client.get(progress_url).get_data(as_text=True)
    assert "Nothing was imported" in html and re.search(rf"<td>{len(lines) + 1}</td>", html)
    assert _counts(app) == (0, 0)
