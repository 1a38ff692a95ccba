"""flask commands: `flask --app wsgi demo`, `create-user`, …"""

import click
from flask import Flask
from flask.cli import with_appcontext


def register_cli(app: Flask) -> None:
    from alliance.reference.commands import load_reference_command
    from alliance.serve import serve_command
    from alliance.signals.commands import disclosure_audit_command

    app.cli.add_command(demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(load_reference_command)
    app.cli.add_command(disclosure_audit_command)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo data (idempotent: a second run adds nothing)."""
    from alliance.demo import load_demo

    load_demo()
    click.echo("Demo data loaded. Log in as lead@ict.demo with password demo-password-1.")


@click.command("create-user")
@click.option("--email", required=True, help="The account's e-mail address (its login).")
@click.option("--name", required=True, help="The person's name.")
@click.option("--organisation", "organisation_name", required=True,
              help="The organisation's name; created when no organisation of that name exists in the country.")
@click.option("--country", required=True, help="The organisation's country, ISO 3166 alpha-2 (SE, NL, DE …).")
@click.option("--kind", type=click.Choice(["buyer", "supplier"]), required=True, help="Public buyer or supplier.")
@click.option("--type", "org_type", default=None,
              help="Organisation type for a new organisation (buyer: municipality, region, hospital …; "
                   "supplier: company …). Default: municipality or company.")
@click.option("--admin", is_flag=True, help="Make the user a platform admin.")
@click.option("--verified", is_flag=True, help="Mark a buyer organisation as a verified public body.")
@click.option("--sme", is_flag=True, help="Mark a new supplier organisation as an SME.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@with_appcontext
def create_user_command(email, name, organisation_name, country, kind, org_type, admin, verified, sme, password_stdin):
    """Create an account (and its organisation when missing). The password is prompted for, twice."""
    import sys

    from alliance.auth.accounts import AccountError, create_user
    from alliance.extensions import db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        _check_account_fields(email, name, password)
        organisation = _organisation_for_cli(organisation_name, country, kind, org_type, sme)
        if verified and kind == "buyer" and not organisation.verified:
            organisation.verified = True
        # The first user of an organisation becomes its admin, who then approves or invites the others.
        from alliance.organisations.membership import admin_count

        role = "member" if organisation.id is not None and admin_count(organisation.id) else "admin"
        user = create_user(email, name, password, organisation, is_admin=admin, role=role)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    from alliance.audit import record_event

    record_event(None, "user.created_by_cli", "user", user.id, email=user.email, admin=admin)
    db.session.commit()
    status = ""
    if kind == "buyer":
        status = " (verified)" if user.organisation.verified else " (not verified yet)"
    click.echo(f"Created {user.email} in {user.organisation.name}{status}{' as a platform admin' if admin else ''}.")


def _check_account_fields(email: str, name: str, password: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    from alliance.auth.accounts import AccountError

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(f"'{email}' is not a valid e-mail address: {error}") from None
    if len(email) > 254:
        raise AccountError("The e-mail address is limited to 254 characters.")
    if not name.strip() or len(name) > 120:
        raise AccountError("Give a name of 1 to 120 characters.")
    if not 12 <= len(password) <= 200:
        raise AccountError("The password needs 12 to 200 characters.")
    from alliance.auth.passwords import password_weakness

    if weakness := password_weakness(password, [email, name]):
        raise AccountError(weakness)


def _organisation_for_cli(name: str, country: str, kind: str, org_type: str | None, sme: bool):
    """The organisation of that name in that country, or a new one (not yet added when checks fail)."""
    import sqlalchemy as sa

    from alliance.auth.accounts import AccountError
    from alliance.extensions import db
    from alliance.formatting import is_country
    from alliance.models import BUYER_TYPES, SUPPLIER_TYPES, Organisation

    name, country = name.strip(), country.strip().upper()
    if not name or len(name) > 200:
        raise AccountError("Give an organisation name of 1 to 200 characters.")
    if not is_country(country):
        raise AccountError(f"'{country}' is not an ISO 3166 country code (for example SE, NL, DE).")
    existing = db.session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.lower(), Organisation.country == country)
    )
    if existing is not None:
        if existing.kind != kind:
            raise AccountError(f"{existing.name} is registered as a {existing.kind}, not a {kind}.")
        return existing
    types = BUYER_TYPES if kind == "buyer" else SUPPLIER_TYPES
    org_type = org_type or ("municipality" if kind == "buyer" else "company")
    if org_type not in types:
        raise AccountError(f"--type for a {kind} is one of: {', '.join(types)}.")
    organisation = Organisation(name=name, kind=kind, org_type=org_type, country=country,
                                sme=sme and kind == "supplier")
    db.session.add(organisation)
    return organisation
