"""A summary's figures as tables (alliance.signals.tables), built directly from a snapshot's public data:
only the chosen categories and views, and a suppressed figure is a reason, never a number."""

from decimal import Decimal
from types import SimpleNamespace

from alliance.signals.tables import Money, Suppressed, headline, summary_tables
from tests.factories import SUPPRESSED_FIGURES, summary_snapshot_data

HIDDEN = {value for figures in SUPPRESSED_FIGURES.values() for value in figures.values()}


def summary(show=("quarter", "country", "level", "readiness", "impact"), categories=("30213100-6",)):
    _, public = summary_snapshot_data(round_id=1, k=30)
    return SimpleNamespace(snapshot=SimpleNamespace(public_data=public, k=30), demand_round=SimpleNamespace(currency="EUR"),
                           views={"show": list(show), "categories": list(categories)})


def test_the_total_comes_first_then_the_chosen_views_of_the_chosen_categories():
    tables = summary_tables(summary())
    assert [table.key for table in tables] == ["total", "quarter", "country", "level", "readiness", "impact"]
    assert {row[0] for table in tables for row in table.rows} == {"30213100-6"}  # displays were left out
    assert [table.key for table in summary_tables(summary(show=["level"]))] == ["total", "level"]
    [total] = summary_tables(summary(show=[]))
    cpv, name, unit, quantity, value, buyers, share = total.rows[0]
    assert (cpv, name, quantity, buyers, share.fraction) == ("30213100-6", "Portable computers", 12000, 120, 0.4)
    assert value == Money(960000000, "EUR") and value.major == Decimal("9600000.00")


def test_a_suppressed_figure_is_its_reason_never_a_number():
    tables = {table.key: table for table in summary_tables(summary())}
    by_quarter = {row[2]: row[3:] for row in tables["quarter"].rows}
    # This snapshot stores English sentences only (as before reasons had codes): they still read the same.
    assert [cell.reason for cell in by_quarter["2027-Q2"]] == ["one buyer holds more than 80% of the volume"] * 3
    assert [cell.reason for cell in by_quarter["2027-Q3"]] == ["hidden so a suppressed figure cannot be derived"] * 3
    denmark = {str(row[2]): row[3] for row in tables["country"].rows}["Denmark"]
    assert isinstance(denmark, Suppressed) and denmark.reason == "fewer than 30 buyers"
    assert str(tables["impact"].rows[0][4]) == "fewer than 30 buyers"
    cells = [cell for table in tables.values() for row in table.rows for cell in row]
    assert not HIDDEN & {cell for cell in cells if isinstance(cell, int)}
    assert 0 not in cells


def test_the_headline_needs_every_category_of_the_snapshot():
    assert headline(summary()) == {}  # the snapshot's totals would include the category left out
    both = headline(summary(categories=["30213100-6", "30231310-3"]))
    assert set(both) == {"value", "buyers", "countries"}
    assert all(isinstance(figure, Suppressed) for figure in both.values())  # withheld in the public data
