"""CLI command: drift.

Reads every managed room and user back and reports what changed outside the
provisioner: no plan, no lock, no write. Exit 0 when nothing drifted, 2 when
something did, 1 on any error (a wrong address or key included: the address
is proven before any room is believed gone).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from provisioner.apply.drift import read_drift
from provisioner.cli.options import format_option
from provisioner.config import load_settings
from provisioner.plan.drift import drift_report
from provisioner.render.drift import DRIFT_RENDERERS
from provisioner.state import backend_for

EXIT_DRIFT = 2


@click.command("drift")
@format_option(
    sorted(DRIFT_RENDERERS),
    "text for a terminal, json for machines, markdown for an issue.",
)
def drift_command(fmt: str) -> None:
    """Report managed rooms and users changed outside the provisioner (exit 2)."""
    settings = load_settings(Path("."))
    state = backend_for(settings).read(links=False)
    found = asyncio.run(read_drift(settings, state))
    report = drift_report(state, found.drift, found.users_gone)
    click.echo(DRIFT_RENDERERS[fmt](report), nl=False)
    if report.drifted:
        raise click.exceptions.Exit(EXIT_DRIFT)
