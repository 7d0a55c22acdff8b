"""CLI commands: fmt (the canonical layout of room files) and completion."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from provisioner import config
from provisioner.cli import EXIT_ERROR
from provisioner.config import roomfmt
from provisioner.errors import ConfigError, ProvisionerError

CHANGED, UNCHANGED, FAILED = "changed", "unchanged", "failed"
SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_PROVISIONER_COMPLETE"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@click.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; list the files that would change and exit 1 if any.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Write nothing; print the changes as a unified diff.",
)
@click.pass_context
def fmt_command(
    ctx: click.Context, paths: tuple[Path, ...], check: bool, show_diff: bool
) -> None:
    """Rewrite room files in one canonical layout, every comment kept.

    Top-level keys in the order defaults, users, external_users, moved,
    import, removed, rooms; rooms sorted by name; each room's keys in the
    schema's order, participants last and as written. PATHs (files or
    folders) default to the settings' rooms folder.
    """
    dry = check or show_diff
    outcomes = Counter(
        _format(path, dry, show_diff) for path in roomfmt.room_files(paths)
    )
    _summary(outcomes, dry)
    if outcomes[FAILED] or (check and outcomes[CHANGED]):
        ctx.exit(EXIT_ERROR)


def _format(path: Path, dry: bool, show_diff: bool) -> str:
    """Format one file (or say what would change); a failure stops only this file."""
    display = config.display_path(path)
    try:
        result = roomfmt.format_file(path, display)
        if not result.changed:
            return UNCHANGED
        if show_diff:
            click.echo(result.diff(), nl=False)
        if dry:
            click.echo(f"Would reformat {display}", err=True)
        else:
            roomfmt.write(result)
            click.echo(f"Reformatted {display}")
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        return FAILED
    except ProvisionerError as exc:
        click.echo(f"Error: {exc}", err=True)
        return FAILED
    return CHANGED


def _summary(outcomes: Counter[str], dry: bool) -> None:
    verb = "would be reformatted" if dry else "reformatted"
    parts = [f"{_plural(outcomes[CHANGED], 'file')} {verb}"]
    parts.append(f"{_plural(outcomes[UNCHANGED], 'file')} already formatted")
    if outcomes[FAILED]:
        parts.append(f"{_plural(outcomes[FAILED], 'file')} left as it was (errors)")
    click.echo(", ".join(parts) + ".", err=dry)


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> None:
    """Print the shell completion script for SHELL.

    \b
    bash:  eval "$(provisioner completion bash)"   in ~/.bashrc
    zsh:   eval "$(provisioner completion zsh)"    in ~/.zshrc
    fish:  provisioner completion fish > ~/.config/fish/completions/provisioner.fish
    """
    # Imported here: only this command needs it.
    from click.shell_completion import get_completion_class

    completion = get_completion_class(shell)
    if completion is None:  # pragma: no cover - click ships all three
        raise click.UsageError(f"no completion for {shell}")
    from provisioner.cli import cli  # the whole tree, loaded lazily as it completes

    click.echo(completion(cli, {}, "provisioner", COMPLETE_VAR).source())
