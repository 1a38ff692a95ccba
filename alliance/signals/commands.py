"""`flask --app wsgi disclosure-audit ROUND`: attack a round's public release as an auditor would.

For every figure the public release hides it prints the attacker's best range (from everything the release
publishes, by linear programming) against the true figure, then the release checks, and exits 1 on any
breach (a figure hidden by k or p narrowed to less than ±P %, or a release check that fails).
"""

import click
from flask.cli import with_appcontext


def _number(value: float) -> str:
    return "∞" if value == float("inf") else f"{value:,.2f}".rstrip("0").rstrip(".")


@click.command("disclosure-audit")
@click.argument("round_id", metavar="ROUND", type=int)
@with_appcontext
def disclosure_audit_command(round_id: int):
    """Print every hidden figure's attacker range against the truth; exit 1 on any breach."""
    from alliance.disclosure.snapshot_audit import audit_view, describe
    from alliance.extensions import db
    from alliance.models import Alliance, DemandRound
    from alliance.signals import releases
    from alliance.signals.contract import figure_rows, from_json

    demand_round = db.session.get(DemandRound, round_id)
    if demand_round is None:
        raise click.ClickException(f"No demand round {round_id}.")
    release = releases.latest_release(round_id)
    breaches = []
    if release is None:
        click.echo(f"Round {round_id} has no public release: nothing is published, nothing to attack.")
    else:
        lead_view = from_json(release.lead_data)
        percent = lead_view.get("protection_percent") or db.session.get(
            Alliance, demand_round.alliance_id).protection_percent
        audits = audit_view(figure_rows(lead_view), percent)
        click.echo(f"Round {round_id} '{demand_round.title}', public release {release.release_number} "
                   f"(snapshot {release.id}); protection interval ±{percent} %.")
        click.echo(f"{len({a.key for a in audits})} hidden figures; the attacker holds every published figure.")
        for audit in audits:
            required = ("no interval of its own (hidden to protect others)" if audit.required_low is None else
                        f"must reach ≤ {_number(audit.required_low)} and ≥ {_number(audit.required_high)}")
            verdict = "ok" if audit.protected else "BREACH"
            click.echo(f"{verdict:6} {audit.measure:11} {describe(audit.key)}: true {audit.truth:,}, attacker's "
                       f"range {_number(audit.low)} .. {_number(audit.high)}; {required} [{audit.reason}]")
        breaches += [a for a in audits if not a.protected]
    click.echo("Release checks:")
    checks = releases.release_audit(round_id)
    for line, is_breach in checks:
        click.echo(f"  {'BREACH ' if is_breach else ''}{line}")
    breaches += [line for line, is_breach in checks if is_breach]
    if breaches:
        click.echo(f"{len(breaches)} breach(es).")
        raise SystemExit(1)
    click.echo("No breach.")
