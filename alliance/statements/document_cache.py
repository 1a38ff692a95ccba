"""The PDF and DOCX of a joint statement edition, rendered once per content and kept as files.

Rendering takes a second or more (fpdf2 subsets the font, python-docx builds the package), while what a
document says is cheap to compute: its sections, title, subtitle and own address. A document is therefore
keyed by a hash of exactly that text (and of the renderer's source, so a new layout renders anew) and kept
under DOCUMENT_CACHE_FOLDER (instance/documents unless set). A published edition's text never changes, but
its document also lists the signatories, its status and the cited summary's figures: when any of those
changes, the key changes and the next download renders the new document. A key that is already kept is
served from its file, byte for byte, with an ETag of those bytes.

Files are written to a temporary name and renamed into place, so a reader never sees half a document;
writing one removes the edition's earlier renderings of the same format, so the folder holds at most one
document per edition and format.
"""

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from alliance.models import JointStatement
from alliance.statements import documents
from alliance.statements.operations import Signatory

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
logger = logging.getLogger(__name__)
# A change to the renderer changes every key, so no document rendered by older code is served.
_RENDERER = hashlib.sha256(Path(documents.__file__).read_bytes()).hexdigest()


@dataclass(frozen=True)
class RenderedDocument:
    body: bytes
    mimetype: str
    etag: str


def cache_folder() -> Path:
    return Path(current_app.config.get("DOCUMENT_CACHE_FOLDER") or Path(current_app.instance_path) / "documents")


def document_key(statement: JointStatement, signatories: list[Signatory], page_url: str, summary_url: str | None,
                 extension: str) -> str:
    """A hash of everything the document shows."""
    content = {
        "renderer": _RENDERER, "format": extension, "title": statement.title,
        "subtitle": documents.subtitle(statement), "page_url": page_url,
        "sections": [[section.heading, section.blocks]
                     for section in documents.sections(statement, signatories, summary_url)],
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def statement_document(statement: JointStatement, signatories: list[Signatory], page_url: str,
                       summary_url: str | None, extension: str) -> RenderedDocument:
    """The edition's document in `extension` (pdf or docx): the kept file, or a new rendering kept for next time."""
    key = document_key(statement, signatories, page_url, summary_url, extension)
    folder = cache_folder()
    path = folder / f"statement-{statement.id}-{key}.{extension}"
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        render = documents.statement_pdf if extension == "pdf" else documents.statement_docx
        body = render(statement, signatories, page_url, summary_url)
        _keep(folder, path, body, stale=f"statement-{statement.id}-*.{extension}")
    return RenderedDocument(body, MIMETYPES[extension], hashlib.sha256(body).hexdigest()[:40])


def _keep(folder: Path, path: Path, body: bytes, stale: str) -> None:
    """Keep `body` at `path`, replacing the edition's older renderings. A folder that cannot be written only
    costs the next download a rendering: the document is served all the same."""
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(stale):
            old.unlink(missing_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".rendering-")
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.replace(temporary, path)
    except OSError:
        logger.warning("Could not keep the rendered document %s", path.name, exc_info=True)
        if temporary:
            Path(temporary).unlink(missing_ok=True)
