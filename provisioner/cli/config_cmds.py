"""CLI commands: init, validate and schema."""

from __future__ import annotations

import json
from pathlib import Path

import click

from provisioner import config
from provisioner.cli import EXIT_ERROR
from provisioner.config import citemplates, scaffold, schema
from provisioner.errors import Problem, ProvisionerError


def _as_json(problem: Problem, severity: str) -> dict[str, object]:
    return {
        "file": problem.path,
        "line": problem.line,
        "col": problem.col,
        "message": problem.message,
        "severity": severity,
    }


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _summary(estate: config.Estate) -> str:
    external = len(estate.external_users)
    return (
        f"Valid: {_plural(len(estate.files), 'file')}, "
        f"{_plural(len(estate.rooms), 'room')}, "
        f"{_plural(len(estate.users), 'managed user')}, "
        f"{_plural(external, 'external user')}."
    )


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "codequality"]),
    default="text",
    show_default=True,
    help="json: a list of {file, line, col, message, severity} for editors and CI; "
    "github: annotations and the job summary; codequality: GitLab's report.",
)
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], output_format: str) -> None:
    """Check room files offline: YAML, schema, and the rules across files.

    The whole estate is always loaded; PATHs only narrow which files'
    problems are reported.
    """
    for path in paths:
        if not path.exists():
            raise ProvisionerError(f"{path}: no such file or folder")
    estate = config.check(Path("."), paths)
    if output_format in ("github", "codequality"):
        from provisioner.cli.ci_cmds import report

        report(output_format, estate.problems, estate.warnings)
    elif output_format == "json":
        listed = [_as_json(p, "error") for p in estate.problems]
        listed += [_as_json(w, "warning") for w in estate.warnings]
        click.echo(json.dumps(listed, indent=2))
    else:
        for warning in estate.warnings:
            click.echo(f"Warning: {warning.message}", err=True)
        for problem in estate.problems:
            click.echo(str(problem))
    if estate.problems:
        if output_format == "text":
            files = len({problem.path for problem in estate.problems})
            counted = f"{_plural(len(estate.problems), 'problem')} in "
            click.echo(counted + _plural(files, "file") + ".", err=True)
        ctx.exit(EXIT_ERROR)
    if output_format in ("text", "github"):
        click.echo(_summary(estate))


@click.command("schema")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when the committed schema files are stale.",
)
@click.pass_context
def schema_command(ctx: click.Context, check: bool) -> None:
    """Write the JSON Schemas generated from the API rules into schemas/."""
    root = Path(".")
    if not check:
        for path in schema.write_files(root):
            click.echo(f"Wrote {path}")
        return
    stale = schema.stale_files(root)
    for path, reason in stale:
        message = f"{path} is {reason}; run `provisioner schema` and commit it"
        click.echo(message, err=True)
    if stale:
        ctx.exit(EXIT_ERROR)
    click.echo("Schemas are up to date.")


@click.command("init")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--ci",
    type=click.Choice(citemplates.CHOICES),
    default=citemplates.NONE,
    show_default=True,
    help="Also write this CI's workflow: validate and plan on each pull or "
    "merge request, apply on the default branch.",
)
def init_command(path: Path, ci: str) -> None:
    """Start a repository: provisioner.yaml, rooms/, schemas, .gitignore.

    Existing files are never overwritten (each one is reported as left as it
    is); the local state file (it holds join links) is added to .gitignore.
    """
    for step in scaffold.init(path, ci):
        shown = config.display_path(step.path)
        click.echo(f"{shown}: {step.what}")
    click.echo(
        "Next: write rooms in the rooms folder, then run `provisioner validate` "
        "and `provisioner plan`."
    )
