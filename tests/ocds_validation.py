"""Validate OCDS packages with libcoveocds (the Open Contracting Partnership's own validator), offline.

libcoveocds reads the standard from a ZIP (`standard_zip`) and extensions over HTTP through
ocdsextensionregistry's requests session. Here the ZIP is built from the OCDS 1.1.5 schemas and codelists
in tests/data, the sustainability extension's URL is served from its copy in tests/data, and every other
HTTP request fails, so a validation that tried the network would error instead of passing by luck.
"""

import io
import json
import tempfile
import zipfile
from pathlib import Path

import requests
import urllib3
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from ocdsextensionregistry import util as registry_util
from ocdsextensionregistry.versioned_release_schema import get_versioned_release_schema

DATA = Path(__file__).resolve().parent / "data"
STANDARD_DIR = DATA / "ocds-1.1.5"
EXTENSION_DIR = DATA / "ocds-sustainability-extension"
EXTENSION_BASE = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_sustainability_extension/master/"
# ocdsextensionregistry turns a raw.githubusercontent.com URL into the repository's archive.
EXTENSION_ARCHIVE = "https://github.com/open-contracting-extensions/ocds_sustainability_extension/archive/master.zip"


class OfflineAdapter(requests.adapters.BaseAdapter):
    """Serves the sustainability extension's files from tests/data; refuses every other URL."""

    def send(self, request, **kwargs):
        if request.url == EXTENSION_ARCHIVE:
            body, status = _extension_zip(), 200
        elif request.url.startswith(EXTENSION_BASE):
            path = EXTENSION_DIR / request.url[len(EXTENSION_BASE):]
            body, status = (path.read_bytes(), 200) if path.is_file() else (b"", 404)
        else:
            raise requests.ConnectionError(f"offline test: refused {request.url}")
        raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=status, preload_content=False,
                                   request_url=request.url)
        return requests.adapters.HTTPAdapter().build_response(request, raw)

    def close(self):
        pass


def _extension_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ocds_sustainability_extension-master/", "")
        for path in sorted(EXTENSION_DIR.rglob("*")):
            if path.is_file():
                archive.write(path, f"ocds_sustainability_extension-master/{path.relative_to(EXTENSION_DIR)}")
    return buffer.getvalue()


def _standard_zip() -> bytes:
    """The layout of the standard repository's ZIP, with the versioned release schema built from the release
    schema by ocdsextensionregistry (the standard's own build step; the file is not in tests/data)."""
    release_schema = json.loads((STANDARD_DIR / "release-schema.json").read_text())
    versioned = get_versioned_release_schema(release_schema, "1__1__5")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        archive.writestr("standard-1__1__5/schema/versioned-release-validation-schema.json", json.dumps(versioned))
        for path in sorted(STANDARD_DIR.rglob("*")):
            if path.is_file() and path.suffix in {".json", ".csv"}:
                archive.write(path, f"standard-1__1__5/schema/{path.relative_to(STANDARD_DIR)}")
    return buffer.getvalue()


def cove_errors(package: dict) -> dict:
    """libcoveocds' findings on a release package: validation errors, extension problems and the rest."""
    session = registry_util.session
    saved = dict(session.adapters)
    session.adapters.clear()
    session.mount("https://", OfflineAdapter())
    session.mount("http://", OfflineAdapter())
    try:
        config = LibCoveOCDSConfig({"standard_zip": _standard_zip(), "context": "api"})
        with tempfile.TemporaryDirectory() as folder:
            result = ocds_json_output(folder, json_data=package, lib_cove_ocds_config=config)
    finally:
        session.adapters.clear()
        session.adapters.update(saved)
    return result
