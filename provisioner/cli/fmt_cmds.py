"""CLI commands: fmt (the canonical layout of room files) and completion."""

from __future__ import annotations

from pathlib import Path

import click

from provisioner import config, roomfmt
from provisioner.cli import EXIT_ERROR, cli
from provisioner.errors import ConfigError

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_PROVISIONER_COMPLETE"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@cli.command("fmt")
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
    changed, unchanged, broken = 0, 0, 0
    for path in roomfmt.room_files(paths):
        display = config.display_path(path)
        try:
            result = roomfmt.format_file(path, display)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            broken += 1
            continue
        if not result.changed:
            unchanged += 1
            continue
        changed += 1
        if show_diff:
            click.echo(result.diff(), nl=False)
        if dry:
            click.echo(f"Would reformat {display}", err=True)
        else:
            roomfmt.write(result)
            click.echo(f"Reformatted {display}")
    _summary(changed, unchanged, broken, dry)
    if broken or (check and changed):
        ctx.exit(EXIT_ERROR)


def _summary(changed: int, unchanged: int, broken: int, dry: bool) -> None:
    verb = "would be reformatted" if dry else "reformatted"
    parts = [f"{_plural(changed, 'file')} {verb}"]
    parts.append(f"{_plural(unchanged, 'file')} already formatted")
    if broken:
        parts.append(f"{_plural(broken, 'file')} not readable as YAML")
    click.echo(", ".join(parts) + ".", err=dry)


@cli.command("completion")
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
    click.echo(completion(cli, {}, "provisioner", COMPLETE_VAR).source())
