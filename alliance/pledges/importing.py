"""Import pledge lines from CSV or XLSX: the whole file is validated first, and stored only if every row is valid.

Rows are checked against lookups loaded once (RoundContext) and stored with bulk INSERTs (pledges, then their
revisions), so 10,000 lines take a second or two, not 20,000 ORM round trips.
"""

import csv
import io
import re
import secrets
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from alliance.database import is_postgres
from alliance.errors import InvalidError
from alliance.extensions import db
from alliance.language import number
from alliance.models import Pledge, PledgeRevision, User
from alliance.models.base import utcnow
from alliance.pledges.access import RoundAccess
from alliance.pledges.validation import FIELDS, PledgeInvalidError, RoundContext, validate
from alliance.signals.triggers import pledges_changed

COLUMNS = (*FIELDS, "status")
OPTIONAL_COLUMNS = {"criteria_version", "region"}
MAX_ROWS = 50_000
BACKGROUND_ROWS = 2_000  # larger files import in a worker, with a progress page
MAX_REPORTED = 200
CHUNK = 1_000
# An XLSX is a zip of XML parts. Its unpacked size, not its upload size, is what parsing costs: a 1 MB file can
# unpack to gigabytes (a "zip bomb"). A workbook of MAX_ROWS pledge lines unpacks to about 25 MB, packed ~15:1.
MAX_XLSX_MEMBERS = 500
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_RATIO = 200  # unpacked / packed, for parts over a megabyte; real sheets stay well below 50


def template_csv(context: RoundContext, country: str) -> str:
    """A CSV that imports as it is into the round: one draft line per category of the round that has a
    published criteria set, at its latest version, in the round's currency and first delivery quarter."""
    lines = [",".join(COLUMNS)]
    quarter = context.quarters[0] if context.quarters else ""
    for info in context.categories.values():
        if info.latest_published is not None:
            lines.append(",".join((info.cpv_code, str(info.latest_published), "core", "1", "0.00", context.currency,
                                   quarter, country, "", "draft")))
    return "\r\n".join(lines) + "\r\n"


UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")
Progress = Callable[[float, str], None]


class ImportFileError(InvalidError):
    """The file as a whole cannot be read (format, encoding, columns, size); nothing was stored."""


@dataclass
class ImportResult:
    imported: int = 0
    error_count: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), the first MAX_REPORTED
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and self.error_count == 0

    def add_error(self, line: int, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append((line, reason))

    def as_dict(self) -> dict:
        return {"imported": self.imported, "error_count": self.error_count,
                "errors": [list(e) for e in self.errors], "file_error": self.file_error}

    @classmethod
    def from_dict(cls, data: dict) -> "ImportResult":
        return cls(data["imported"], data["error_count"], [tuple(e) for e in data["errors"]], data["file_error"])


def upload_path(name: str) -> Path:
    """Where a saved upload waits for its import job (PLEDGE_IMPORT_FOLDER, default instance/imports/);
    only generated names are accepted. With workers on other machines, that folder must be shared.
    """
    if not UPLOAD_NAME.match(name):
        raise ValueError(f"not an upload name: {name!r}")
    folder = current_app.config.get("PLEDGE_IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
    return Path(folder) / name


def upload_gone() -> ImportResult:
    """The result of an import job whose saved upload is gone (imported by an earlier run, or cleaned up)."""
    return ImportResult(file_error=_("The uploaded file is no longer there; upload it again."))


def save_upload(data: bytes) -> str:
    """Keep an upload under a random name for the import job; returns the name."""
    name = f"{secrets.token_hex(16)}.{'xlsx' if is_xlsx(data) else 'csv'}"
    path = upload_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return name


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def estimate_rows(data: bytes, filename: str) -> int:
    """About how many data rows the file has (cheap), to choose between importing now and in a worker."""
    _check_kind(data, filename)
    if not is_xlsx(data):
        # csv reads \r\n, \n and a lone \r each as one line end.
        return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    sheet = _open_sheet(data)
    # Count the <row> elements of the sheet's XML: its stated <dimension> may be wrong or a lie.
    with sheet.parent._archive.open(sheet._worksheet_path) as part:
        rows, tail = 0, b""
        while chunk := part.read(1024 * 1024):
            window = tail + chunk
            rows += len(re.findall(rb"<(?:\w+:)?row[\s>/]", window)) - len(re.findall(rb"<(?:\w+:)?row[\s>/]", tail))
            tail = window[-16:]
    return rows


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, dict]]:
    """(line number, {column: value}) per non-empty data row; ImportFileError when the file is unreadable."""
    _check_kind(data, filename)
    lines = _xlsx_lines(data) if is_xlsx(data) else _csv_lines(data)
    names = _column_names(lines)
    yield from _data_rows(lines, names)


def _column_names(lines: Iterator[tuple[int, list]]) -> list[str]:
    """The header line's column names (lower case, spaces as underscores), each a known column, every required
    one present, none twice; ImportFileError saying which otherwise."""
    header_line, header = next(lines, (1, None))
    if not header or all(_blank(c) for c in header):
        raise ImportFileError(_("The file is empty: the first line must name the columns, e.g. %(columns)s",
                                columns=",".join(COLUMNS)))
    names = [str(c or "").strip().lower().replace(" ", "_") for c in header]
    problems = _column_problems(names)
    if problems:
        raise ImportFileError(_("Line %(line)s: %(problems)s. Expected columns: %(columns)s.", line=header_line,
                                problems="; ".join(problems), columns=", ".join(COLUMNS)))
    if len(set(names)) != len(names):
        raise ImportFileError(_("Line %(line)s: a column is named twice.", line=header_line))
    return names


def _column_problems(names: list[str]) -> list[str]:
    """The required columns the header lacks and the columns it names that do not exist, as the message says."""
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL_COLUMNS]
    unknown = [n for n in names if n and n not in COLUMNS]
    return ([_("missing column(s): %(columns)s", columns=", ".join(missing))] if missing else []) + \
        ([_("unknown column(s): %(columns)s", columns=", ".join(unknown)[:200])] if unknown else [])


def _data_rows(lines: Iterator[tuple[int, list]], names: list[str]) -> Iterator[tuple[int, dict]]:
    """The lines after the header as {column: value}, skipping blank ones; a line with more values than columns
    is yielded as {"__error__": reason}. ImportFileError past MAX_ROWS rows."""
    count = 0
    for line, cells in lines:
        if all(_blank(c) for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(limit)s rows; split it into smaller files.",
                                    limit=number(MAX_ROWS)))
        if len(cells) > len(names) and not all(_blank(c) for c in cells[len(names):]):
            yield line, {"__error__": _("has %(values)s values but the header has %(columns)s columns.",
                                          values=len(cells), columns=len(names))}
            continue
        yield line, {name: cells[i] if i < len(cells) else None for i, name in enumerate(names)}


def import_file(loaded: RoundAccess, data: bytes, filename: str, progress: Progress | None = None) -> ImportResult:
    """Validate every row of the file for the user's organisation in the round loaded for them (access.load_round);
    store all or nothing. A refusal to pledge, or a closed round, is the result's file error.

    Flushes, never commits: the caller commits when result.ok and rolls back otherwise.
    """
    progress = progress or (lambda fraction, message: None)
    result = ImportResult()
    actor, context, round_id = loaded.user, loaded.context, loaded.demand_round.id
    refusal = loaded.refusal or context.closed_reason
    if refusal:
        result.file_error = refusal
        return result
    try:
        rows = list(read_rows(data, filename))
    except ImportFileError as error:
        result.file_error = str(error)
        return result
    if not rows:
        result.file_error = _("The file has a header but no pledge lines.")
        return result
    progress(0.1, _("Checking %(count)s lines", count=number(len(rows))))
    clean_rows = []
    for index, (line, raw) in enumerate(rows):
        if "__error__" in raw:
            result.add_error(line, raw["__error__"])
            continue
        try:
            clean = validate(raw, context)
        except PledgeInvalidError as error:
            result.add_error(line, "; ".join(f"{name.replace('_', ' ')}: {msg}" for name, msg in error.fields.items()))
            continue
        status = str(raw.get("status") or "draft").strip().lower()
        if status not in ("draft", "submitted"):
            result.add_error(line, _("status: use draft or submitted, not '%(status)s'.", status=status[:20]))
            continue
        clean_rows.append(clean | {"status": status})
        if index % 2000 == 1999:
            progress(0.1 + 0.4 * index / len(rows),
                     _("Checked %(done)s of %(count)s lines", done=number(index + 1), count=number(len(rows))))
    if not result.ok:
        return result
    _insert(actor, context, clean_rows, progress)
    result.imported = len(clean_rows)
    pledges_changed(round_id)
    # No audit event: the platform audit log is read by admins, who are neither the buyer nor its leads, and an
    # event naming the buyer and the minute would date its edit. Each pledge's revisions keep who and when.
    db.session.flush()
    progress(1.0, _("%(format)s pledges imported.", format=number(result.imported)))
    return result


def _insert(actor: User, context: RoundContext, rows: list[dict], progress: Progress) -> None:
    now = utcnow()
    versions = {set_id: (cpv, version) for cpv, info in context.categories.items()
                for version, (set_id, _) in info.versions.items()}
    for start in range(0, len(rows), CHUNK):
        chunk = [row | {"organisation_id": actor.organisation_id, "version": 1, "created_by_id": actor.id,
                        "updated_by_id": actor.id, "created_at": now, "updated_at": now}
                 for row in rows[start:start + CHUNK]]
        ids = _reserve_ids(len(chunk))
        if ids is None:
            ids = db.session.scalars(sa.insert(Pledge).returning(Pledge.id, sort_by_parameter_order=True), chunk).all()
        else:
            db.session.execute(sa.insert(Pledge), [row | {"id": pledge_id} for pledge_id, row in zip(ids, chunk, strict=True)])
        revisions = []
        for pledge_id, row in zip(ids, chunk, strict=True):
            cpv, version = versions[row["criteria_set_id"]]
            data = {name: row[name] for name in ("criteria_set_id", "level", "quantity", "value_minor", "currency",
                                                 "delivery_quarter", "country", "region", "status")}
            revisions.append({"pledge_id": pledge_id, "version": 1, "action": "imported", "changed_by_id": actor.id,
                              "changed_at": now, "data": data | {"category": cpv, "criteria_version": version}})
        db.session.execute(sa.insert(PledgeRevision), revisions)
        progress(0.5 + 0.5 * (start + len(chunk)) / len(rows),
                 _("Stored %(done)s of %(count)s pledges", done=number(start + len(chunk)), count=number(len(rows))))


def _reserve_ids(count: int) -> list[int] | None:
    """On PostgreSQL, take `count` pledge ids from the sequence in one query, so the INSERT needs no RETURNING:
    psycopg then sends a pipelined executemany instead of parsing a 16,000-placeholder statement per chunk."""
    if not is_postgres():
        return None
    return list(db.session.scalars(
        sa.text("SELECT nextval(pg_get_serial_sequence('pledge', 'id')) FROM generate_series(1, :count)"),
        {"count": count},
    ))


def _check_kind(data: bytes, filename: str) -> None:
    name = (filename or "").lower()
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(_("Old Excel .xls files are not supported; save the sheet as .xlsx or CSV UTF-8."))
    if name.endswith(".xlsx") and not is_xlsx(data):
        raise ImportFileError(_("The file is named .xlsx but is not an Excel workbook; upload an .xlsx or a CSV file."))


def _csv_lines(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_(
            "The file is not UTF-8 text (byte %(byte)s). In Excel, save it as “CSV UTF-8”, or upload the .xlsx file.",
            byte=error.start + 1)) from None
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(_("Line %(line)s: the CSV is malformed (%(error)s). Nothing was imported.", line=start,
                                error=error)) from None


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack beyond the bounds, before any part is parsed. The sizes come from the
    zip directory; zipfile stops reading a part at its stated size, so a part cannot unpack to more than it says."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ImportFileError(_("The file is not a readable Excel workbook (.xlsx); upload an .xlsx or a CSV file.")) from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise ImportFileError(_("The workbook has %(parts)s parts; a pledge sheet needs far fewer. Save the sheet "
                                "alone as .xlsx or CSV UTF-8.", parts=number(len(members))))
    unpacked = sum(member.file_size for member in members)
    inflated = [m.filename for m in members if m.file_size > 1024 * 1024
                and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1)]
    if unpacked > MAX_XLSX_UNPACKED_BYTES or inflated:
        size, most = number(round(unpacked / 1024 / 1024)), MAX_XLSX_UNPACKED_BYTES // 1024 // 1024
        if inflated:
            raise ImportFileError(_(
                "The workbook unpacks to %(size)s MB (%(part)s is compressed suspiciously well); at most %(most)s MB "
                "can be read. Save the sheet as CSV UTF-8, or split it into files of at most %(rows)s rows.",
                size=size, part=inflated[0][:60], most=most, rows=number(MAX_ROWS)))
        raise ImportFileError(_(
            "The workbook unpacks to %(size)s MB; at most %(most)s MB can be read. Save the sheet as CSV UTF-8, or "
            "split it into files of at most %(rows)s rows.", size=size, most=most, rows=number(MAX_ROWS)))


def _open_sheet(data: bytes):
    _check_unpacked_size(data)
    import openpyxl
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # read every row there is, whatever <dimension> claims
        return sheet
    except Exception:  # openpyxl raises zipfile, KeyError, XML and its own errors for damaged files
        raise ImportFileError(_("The file is not a readable Excel workbook (.xlsx); upload an .xlsx or a CSV file.")) from None


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list]]:
    sheet = _open_sheet(data)
    try:
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell(value) for value in row]
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("The workbook is damaged and could not be read to the end.")) from None


def _cell(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""
