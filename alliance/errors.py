"""The one family of refusals domain code raises, each member carrying its HTTP meaning.

Domain functions raise a subclass of one of these; they never abort or build responses. alliance.web maps
any DomainError a route does not handle itself to the answer, once for the whole app: under /api/ the JSON
error {"error": {"code", "message", "fields"}} with `status`, elsewhere the error page with that status.
A route catches a DomainError only to do better than that page: show a form again with the message next to
its field (usually an InvalidError), or flash and go back.

403 or 404 (CONTRIBUTING.md, "Refusals"): NotFoundError when the caller may not even learn that the object
exists (another organisation's pledge, a draft round of an alliance it does not lead); ForbiddenError when
it may know the object exists but may not do this (a member that is not a lead, a lead changing another
member's pledge).

A feature names its errors after what was refused and subclasses the member that says how, e.g.
`class PledgeNotFoundError(NotFoundError)`. A feature's own base (RoundError) is its InvalidError; its
forbidden and conflict errors subclass ForbiddenError and ConflictError directly, so `except RoundError`
catches bad input only and the rest reaches the mapping.
"""


class DomainError(Exception):
    """A refusal a user can act on. `message` is shown as is (mark it with _()); `fields` maps a form or JSON
    field to its message; `field` names the one field a single message is about."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", field: str | None = None, fields: dict | None = None, *,
                 code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.fields = dict(fields) if fields else ({field: self.message} if field else {})
        if code:
            self.code = code  # a finer machine-readable name for this refusal, e.g. "round_closed"

    def detail(self) -> dict:
        """The body of the JSON error: {"code", "message"} and "fields" when some field is named."""
        detail = {"code": self.code, "message": self.message}
        if self.fields:
            detail["fields"] = self.fields
        return detail


class InvalidError(DomainError):
    """The input cannot be accepted as given; `fields` says what to correct."""

    status = 422
    code = "validation_error"


class NotFoundError(DomainError):
    """No such object, or one whose existence is confidential to the caller."""

    status = 404
    code = "not_found"


class ForbiddenError(DomainError):
    """The caller may know the object exists but may not do this to it."""

    status = 403
    code = "forbidden"


class ConflictError(DomainError):
    """The object's state does not allow this now (published, closed, too many of something)."""

    status = 409
    code = "conflict"


class StaleEditError(ConflictError):
    """Someone changed the object since the caller read `expected`; nothing was written.

    Raise it only after the caller's right to see the object was checked: the answer shows the current
    version (`current_version`, and under /api/ the object itself). When the version check fails on flush
    (another transaction committed first), the current version is unknown until the failed transaction is
    rolled back: pass `model` and `row_id` and the mapping reads it with `reload()` after the rollback.
    """

    code = "version_conflict"

    def __init__(self, message: str, *, expected: int | None = None, current_version: int | None = None,
                 model: type | None = None, row_id: int | None = None, fields: dict | None = None):
        super().__init__(message, fields=fields)
        self.expected = expected
        self.current_version = current_version
        self.model, self.row_id = model, row_id
        self.current = None  # the stored object, once reload() read it

    def reload(self, session) -> None:
        """Read the object as stored now; call it after the failed transaction was rolled back."""
        if self.model is not None and self.row_id is not None:
            self.current = session.get(self.model, self.row_id)
            if self.current is not None:
                self.current_version = self.current.version

    def detail(self) -> dict:
        detail = super().detail()
        if self.current_version is not None:
            detail["current_version"] = self.current_version
        return detail
