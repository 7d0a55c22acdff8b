"""CLI command: doctor, the read-only check before a first apply."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from provisioner.apply.doctor import run_doctor
from provisioner.cli.options import format_option


@click.command("doctor")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@format_option(
    ["text", "json"],
    "text for people, json for scripts.",
)
def doctor_command(path: Path, fmt: str) -> None:
    """Check settings, key, address and answers; never writes anything."""
    report = run_doctor(path)
    if fmt == "json":
        checks = [asdict(check) for check in report.checks]
        click.echo(json.dumps({"ok": report.ok, "checks": checks}, indent=2))
    else:
        for check in report.checks:
            mark = "✓" if check.ok else "✗"
            hint = f" ({check.hint})" if check.hint and not check.ok else ""
            click.echo(f"{mark} {check.name}: {check.detail}{hint}")
    if not report.ok:
        raise click.exceptions.Exit(1)
