"""The SQL side of compiling signals: a round's submitted pledges are read once per compile.

One INSERT … SELECT groups them per (category, quarter, country, level, criteria set, buyer) into a
temporary table (per_buyer_rows): 48k rows for the benchmark's 1M pledges of 600 buyers, the finest grain
every figure is rolled up from. Every table of the snapshot — and the quantities the readiness view's criteria
require — is then rolled up from those rows in one statement, with the largest and second-largest single
buyers' shares beside each sum for the dominance and p% rules; release control reads the same rows (what
changed since each earlier release, and what a new release keeps). No pledge row reaches Python, and every part of the compile sees the same pledges,
even when buyers keep pledging meanwhile (on PostgreSQL each statement of a READ COMMITTED transaction
would otherwise see the pledges committed by its own start).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from alliance.database import is_postgres
from alliance.disclosure.rules import Figures
from alliance.disclosure.sql import largest, second_largest
from alliance.extensions import db
from alliance.models import Category, Pledge, ReadinessDeclaration
from alliance.suppliers.readiness import REQUIRED_BY

# Table → the columns of the per-buyer table it groups by. "total" groups by nothing.
ROLLUPS = {
    "cell": ("category_id", "quarter", "country"),
    "quarter": ("category_id", "quarter"),
    "country": ("category_id", "country"),
    "level": ("category_id", "level"),
    "set": ("category_id", "criteria_set_id", "level"),
    "category": ("category_id",),
    "total": (),
}
# Every table is a coarsening of one of two buyer grains (cells, or criteria sets by level), each grouped
# once from the per-buyer rows; the tables then read those (a half and an eighth of the rows) instead of
# all of them, nine times.
_GRAIN_OF = {"cell": "cell", "quarter": "cell", "country": "cell", "level": "set", "set": "set",
             "category": "set", "total": "set", "required": "set"}
_ALL_DIMENSIONS = ("category_id", "quarter", "country", "level", "criteria_set_id")
_TYPES = {"category_id": sa.Integer, "quarter": sa.String, "country": sa.String, "level": sa.String,
          "criteria_set_id": sa.Integer}


@dataclass(frozen=True)
class Aggregates:
    figures: dict[tuple, Figures]  # keyed as in alliance.disclosure.rules
    comprehensive_value: dict[tuple, int]  # ("category", id) and ("total",) → value pledged at comprehensive
    countries: dict[tuple, int]  # ("category", id) and ("total",) → distinct countries
    required: dict[tuple[int, str], Figures]  # (criteria set, criterion level) → pledges requiring it (readiness)


def submitted_pledges(round_id: int):
    return sa.and_(Pledge.round_id == round_id, Pledge.status == "submitted")


def per_buyer_select(round_id: int) -> sa.Select:
    """Each buyer's submitted totals per (category, quarter, country, level, criteria set): the finest grain
    every figure is rolled up from (release control keeps these rows of each release, privately)."""
    return (
        sa.select(
            Pledge.category_id.label("category_id"), Pledge.delivery_quarter.label("quarter"),
            Pledge.country.label("country"), Pledge.level.label("level"),
            Pledge.criteria_set_id.label("criteria_set_id"), Pledge.organisation_id.label("organisation_id"),
            sa.func.sum(Pledge.quantity).label("quantity"), sa.func.sum(Pledge.value_minor).label("value_minor"),
            sa.func.count().label("pledges"),
        )
        .where(submitted_pledges(round_id))
        .group_by(Pledge.category_id, Pledge.delivery_quarter, Pledge.country, Pledge.level,
                  Pledge.criteria_set_id, Pledge.organisation_id)
    )


# The per-buyer rows of the compile under way: temporary, so private to the compile's connection and
# gone with its transaction (PostgreSQL drops it at commit; per_buyer_rows drops it on both backends).
PER_BUYER = sa.Table(
    "compile_per_buyer", sa.MetaData(),
    sa.Column("category_id", sa.Integer), sa.Column("quarter", sa.String(7)), sa.Column("country", sa.String(2)),
    sa.Column("level", sa.String(16)), sa.Column("criteria_set_id", sa.Integer),
    sa.Column("organisation_id", sa.Integer), sa.Column("quantity", sa.BigInteger),
    sa.Column("value_minor", sa.BigInteger), sa.Column("pledges", sa.Integer),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)


@contextmanager
def per_buyer_rows(round_id: int) -> Iterator[sa.Table]:
    """The round's per-buyer rows (per_buyer_select), computed once into PER_BUYER for the block's use.

    Runs in the caller's transaction. After an exception the caller rolls back, which undoes the
    table's creation too (DDL is transactional in PostgreSQL and SQLite).
    """
    connection = db.session.connection()
    PER_BUYER.drop(connection, checkfirst=True)  # SQLite keeps temporary tables for the connection's life
    PER_BUYER.create(connection)
    _hash_aggregate_in_memory()
    db.session.execute(sa.insert(PER_BUYER).from_select(
        [c.name for c in PER_BUYER.columns], per_buyer_select(round_id)))
    yield PER_BUYER
    PER_BUYER.drop(connection)


def aggregate_round(per_buyer: sa.Table) -> Aggregates:
    """Every figure of the round's snapshot, rolled up in one SQL statement from its per-buyer rows
    (per_buyer_rows)."""
    grains = {grain: _by_buyer(per_buyer, ROLLUPS[grain]).cte(f"by_buyer_{grain}") for grain in ("cell", "set")}
    selects = [_rollup(grains[_GRAIN_OF[table]], table, dims) for table, dims in ROLLUPS.items()]
    selects += [
        _rollup(grains["set"], "required", ("criteria_set_id",), level=criterion_level,
                where=grains["set"].c.level.in_(pledge_levels))
        for criterion_level, pledge_levels in REQUIRED_BY.items()
    ]
    figures: dict[tuple, Figures] = {}
    required: dict[tuple[int, str], Figures] = {}
    for row in db.session.execute(sa.union_all(*selects)).mappings():
        fig = Figures(int(row["quantity"]), int(row["value_minor"]), int(row["buyers"]),
                      int(row["top_quantity"]), int(row["top_value"]), int(row["second_quantity"]),
                      int(row["second_value"]))
        if row["kind"] == "required":
            required[(row["criteria_set_id"], row["level"])] = fig
        else:
            figures[(row["kind"], *(row[d] for d in ROLLUPS[row["kind"]]))] = fig
    comprehensive = {("total",): 0}
    countries: dict[tuple, int] = {("total",): 0}
    for key, fig in figures.items():
        if key[0] == "level" and key[2] == "comprehensive":
            comprehensive[("category", key[1])] = fig.value_minor
            comprehensive[("total",)] += fig.value_minor
        elif key[0] == "country":
            countries[("category", key[1])] = countries.get(("category", key[1]), 0) + 1
    countries[("total",)] = len({key[2] for key in figures if key[0] == "country"})
    return Aggregates(figures, comprehensive, countries, required)


def _hash_aggregate_in_memory() -> None:
    """Give this transaction's per-buyer GROUP BY enough work_mem to hash in memory (PostgreSQL only).

    With the server's default 4 MB, PostgreSQL sorts the per-buyer GROUP BY's input on disk (external
    merge): 2.2 s for 1M pledges on 2 cores; with 32 MB it hashes the ~30k groups in memory: 0.8 s (64 MB
    measured no faster). SET LOCAL ends with the transaction, so only the compile's own statements get it,
    and hash aggregates spill to disk rather than grow past it, so a round with far more groups stays bounded.
    """
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL work_mem = '32MB'"))


def _by_buyer(rows, dims: tuple[str, ...], where=None) -> sa.Select:
    """Each buyer's sums per `dims` (rows: per-buyer rows of a finer grain)."""
    columns = [rows.c[d] for d in dims]
    select = (
        sa.select(*columns, rows.c.organisation_id, sa.func.sum(rows.c.quantity).label("quantity"),
                  sa.func.sum(rows.c.value_minor).label("value_minor"))
        .group_by(*columns, rows.c.organisation_id)
    )
    return select if where is None else select.where(where)


def _rollup(grain, table: str, dims: tuple[str, ...], level: str | None = None, where=None):
    """Sums per `dims` plus the largest and second-largest single buyers: each buyer's sums per dims first
    (from the buyer grain, unless that is already dims), then per dims.

    `where` keeps only some rows of the grain; `level`, when given, is output as the level column.
    """
    if ROLLUPS.get(table) == dims and _GRAIN_OF[table] == table:
        buyer = grain
    else:
        buyer = _by_buyer(grain, dims, where).subquery(f"by_buyer_{table}_{level or 'all'}")
    # One window partitioned like the GROUP BY below, for both measures: each table's buyer rows are sorted
    # (or hashed) once more, not twice.
    partition = [buyer.c[d] for d in dims]
    ranked = sa.select(
        *partition, buyer.c.quantity, buyer.c.value_minor,
        largest(buyer.c.quantity, partition), largest(buyer.c.value_minor, partition),
    ).subquery(f"ranked_{table}_{level or 'all'}")

    def output(d: str):
        if d in dims:
            return ranked.c[d].label(d)
        if d == "level" and level is not None:
            return sa.literal(level, sa.String).label(d)
        return sa.cast(sa.null(), _TYPES[d]).label(d)

    return (
        sa.select(
            sa.literal(table, sa.String).label("kind"), *(output(d) for d in _ALL_DIMENSIONS),
            sa.func.sum(ranked.c.quantity).label("quantity"), sa.func.sum(ranked.c.value_minor).label("value_minor"),
            sa.func.count().label("buyers"), sa.func.max(ranked.c.quantity).label("top_quantity"),
            sa.func.max(ranked.c.value_minor).label("top_value"),
            second_largest(ranked.c.quantity, ranked.c.largest_quantity).label("second_quantity"),
            second_largest(ranked.c.value_minor, ranked.c.largest_value_minor).label("second_value"),
        )
        .group_by(*[ranked.c[d] for d in dims])
    )


@dataclass(frozen=True)
class Watermark:
    """What a compile depends on, short of the submitted pledges themselves, read without scanning them.

    `last_change`: the instant of the round's latest pledge write of any status (every insert, edit and
    status change sets updated_at), read from the (round_id, updated_at) index; `settings`: the alliance's
    k, p and protection interval and the suppliers' readiness declarations. A snapshot's mark adds the number
    of submitted pledges, which its compile counts from the per-buyer rows; it catches what the instant
    cannot: a pledge leaving the submitted ones, or one that entered them and was stamped before the latest
    write but committed after it. The mark counts and dates pledges: it stays with the leads.
    """

    last_change: int
    settings: str

    def mark(self, submitted: int) -> str:
        return f"u{self.last_change}|s{submitted}|{self.settings}"

    def may_match(self, mark: str) -> bool:
        """False when a snapshot with this mark certainly saw other pledges or settings (no pledge count needed)."""
        return mark.startswith(f"u{self.last_change}|") and mark.endswith(f"|{self.settings}")


def watermark(round_id: int, k: int, p: int, percent: int) -> Watermark:
    """The round's Watermark: two index lookups and the (small) readiness declarations."""
    last_change = db.session.scalar(sa.select(sa.func.max(Pledge.updated_at)).where(Pledge.round_id == round_id))
    declarations, declared_at = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(ReadinessDeclaration.updated_at))
    ).one()
    return Watermark(_epoch_us(last_change), f"k{k}p{p}P{percent}|r{declarations}.{_epoch_us(declared_at)}")


def submitted_count(round_id: int) -> int:
    """The round's submitted pledges, counted on the (round_id, status) index."""
    return db.session.scalar(sa.select(sa.func.count()).where(submitted_pledges(round_id)))


def counted_pledges(per_buyer: sa.Table) -> int:
    """The submitted pledges behind the compile's per-buyer rows."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(per_buyer.c.pledges), 0))))


def _epoch_us(moment) -> int:
    if moment is None:
        return 0
    if isinstance(moment, str):  # SQLite hands back the stored text from an aggregate
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def categories(ids) -> dict[int, Category]:
    return {c.id: c for c in db.session.scalars(sa.select(Category).where(Category.id.in_(list(ids))))}
