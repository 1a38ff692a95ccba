"""flask commands: `flask --app wsgi demo`, `create-user`, …"""

import click
from flask import Flask
from flask.cli import with_appcontext


def register_cli(app: Flask) -> None:
    from alliance.serve import serve_command

    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo data (idempotent: a second run adds nothing)."""
    from alliance.demo import load_demo

    load_demo()
    click.echo("Demo data loaded. Log in as lead@ict.demo with password demo-password-1.")
