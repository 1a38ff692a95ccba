"""Pledge jobs: importing a large CSV/XLSX file in the background."""

from alliance.extensions import db
from alliance.language.recipients import written_for
from alliance.models import User
from alliance.pledges import access, importing
from alliance.queue import commit_and_dispatch
from workers.context import job, job_logger, report_progress


@job
def import_pledges(upload_name: str, round_id: int, user_id: int, locale: str = "en") -> dict:
    """Import a saved upload for the user's organisation: all rows or none. The file is deleted afterwards,
    so a second run of the same job finds nothing to import and stores nothing. Progress and problems are
    written in `locale`, the language of the page the file was uploaded from."""
    log = job_logger(__name__)
    path = importing.upload_path(upload_name)
    user = db.session.get(User, user_id)
    with written_for(user, fallback=locale):
        if not path.exists():
            return importing.upload_gone().as_dict()
        return _import(log, path, upload_name, round_id, user)


def _import(log, path, upload_name: str, round_id: int, user: User) -> dict:
    try:
        loaded = access.load_round(user, round_id)  # the user's rights as they are now, not at upload
        result = importing.import_file(loaded, path.read_bytes(), upload_name, progress=report_progress)
        if result.ok:
            commit_and_dispatch()
        else:
            db.session.rollback()
        log.info("pledge import for round %s: %s imported, %s bad rows", round_id, result.imported, result.error_count)
        return result.as_dict()
    finally:
        path.unlink(missing_ok=True)
