"""`flask --app wsgi load-reference`: validate the shipped reference data and upsert the categories."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from alliance.extensions import db
from alliance.reference.loader import DATA_DIR, ReferenceDataError, load_reference


@click.command("load-reference")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DATA_DIR,
              show_default=True, help="Folder with categories.csv and criteria/*.json.")
@with_appcontext
def load_reference_command(data_dir: Path):
    """Load CPV categories and check the criteria libraries (idempotent; nothing is loaded on an error)."""
    try:
        report = load_reference(data_dir)
    except ReferenceDataError as error:
        db.session.rollback()
        raise click.ClickException(f"Reference data not loaded: {error}") from None
    db.session.commit()
    click.echo(f"Categories: {len(report.created):,} added, {len(report.updated):,} updated, "
               f"{len(report.unchanged):,} unchanged.")
    for key, count in sorted(report.libraries.items()):
        click.echo(f"Criteria library {key}: {count} criteria, valid.")
