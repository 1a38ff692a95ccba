"""The columns every edition of a published text has (a round's joint statement, a demand summary)."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from alliance.models.base import UTCDateTime, utcnow

EDITION_STATUSES = "status IN ('draft', 'published', 'withdrawn', 'superseded')"


class EditionColumns:
    """An edition's number in its series, title, life-cycle status (draft → published → withdrawn or
    superseded), optimistic-lock `version` and dates. alliance.editions runs the life cycle."""

    edition: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[object | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[object | None] = mapped_column(UTCDateTime)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805 (declared_attr receives the mapped class)
        # A save with a version another lead already moved on fails (StaleDataError) instead of overwriting.
        return {"version_id_col": cls.__table__.c.version}
