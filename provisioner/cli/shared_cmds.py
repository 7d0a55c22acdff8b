"""CLI commands for a shared state: state history|lock-info|migrate|grants.

Subcommands of `state`, loaded by its LazyGroup when used.

`history` and `state show --serial` need a backend that keeps versions (the
PostgreSQL one); `migrate` moves a state between any two backends; `grants`
prints the SQL for the database roles and needs no connection.
"""

from __future__ import annotations

from pathlib import Path

import click

from provisioner.cli.backend import current_backend
from provisioner.cli.options import lock_timeout_option
from provisioner.config import load_settings
from provisioner.errors import ProvisionerError
from provisioner.state import backend_for
from provisioner.state.migrate import migrate
from provisioner.state.pg_schema import grants_sql


@click.command("history")
def history_cmd() -> None:
    """List the versions of the state kept (shared backend), newest first."""
    versions = current_backend().history()
    if not versions:
        click.echo("No versions yet.", err=True)
        return
    width = max(len(str(v.serial)) for v in versions)
    click.echo(f"{'SERIAL':>{max(width, 6)}}  {'COMMITTED':<25}  BY")
    for v in versions:
        click.echo(
            f"{v.serial:>{max(width, 6)}}  {v.committed_at:<25}  {v.committed_by}"
        )


@click.command("lock-info")
def lock_info_cmd() -> None:
    """Show who holds the state lock, if anyone."""
    backend = current_backend()
    holder = backend.lock_holder()
    if holder is None:
        click.echo(f"The state is not locked ({backend.location}).")
        return
    click.echo(f"Locked by {holder.describe()}.")


@click.command("migrate")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="LOCATION",
    help="A state file path or a postgresql:// URL.",
)
@lock_timeout_option
def migrate_cmd(target: str, lock_timeout: float) -> None:
    """Copy the state, links included, to another backend; the source stays."""
    settings = load_settings(Path("."))
    source = backend_for(settings)
    destination = backend_for(settings, target)
    state = migrate(source, destination, lock_timeout)
    click.echo(
        f"Copied the state (serial {state.serial}, {len(state.rooms)} rooms) to "
        f"{destination.location}; {source.location} is left as it was. Point "
        "`state:` in provisioner.yaml (or PROVISIONER_STATE) at the new location."
    )


@click.command("grants")
@click.option("--plan-role", default="provisioner_plan", show_default=True)
@click.option("--apply-role", default="provisioner_apply", show_default=True)
def grants_cmd(plan_role: str, apply_role: str) -> None:
    """Print the SQL for a plan-only role and an apply role (shared backend)."""
    try:
        click.echo(grants_sql(plan_role, apply_role), nl=False)
    except ValueError as exc:
        raise ProvisionerError(str(exc)) from None
