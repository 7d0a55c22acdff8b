"""The `provisioner` command line: the only place errors become exit codes."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from provisioner import __version__
from provisioner.errors import (
    AuthError,
    ConfigError,
    ConnectionFailed,
    ProvisionerError,
)

EXIT_ERROR = 1
# What to check when the API cannot be reached or refuses the key.
_HINTS: dict[type[ProvisionerError], str] = {
    AuthError: "; check KALEYRA_API_KEY (a key of this environment and region)",
    ConnectionFailed: "; check api.url in provisioner.yaml, or KALEYRA_API_URL",
}


@contextmanager
def _usage_errors_exit_1() -> Iterator[None]:
    # Exit 2 means "changes" with --detailed-exitcode (Terraform's convention):
    # a mistyped flag in CI must not pass for a plan with changes.
    try:
        yield
    except click.UsageError as exc:
        # exit_code is a ClassVar in click's stubs; only this instance differs.
        setattr(exc, "exit_code", EXIT_ERROR)  # noqa: B010
        raise


class Group(click.Group):
    """A click group that turns our errors into one line and exit 1.

    Usage errors exit 1 as well; subgroups made with `@cli.group()` share this.
    """

    group_class = type

    def list_commands(self, ctx: click.Context) -> list[str]:
        _register()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        _load(*_MODULES.get(cmd_name, ()))
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _usage_errors_exit_1():
            return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _usage_errors_exit_1():
                return super().invoke(ctx)
        except ConfigError as exc:
            # Bare `file:line:col: message` lines, as validate prints them, so
            # editors and CI problem matchers read them the same way.
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            files = ", ".join(sorted({problem.path for problem in exc.problems}))
            click.echo(f"Error: {len(exc.problems)} problem(s) in {files}", err=True)
            ctx.exit(EXIT_ERROR)
        except ProvisionerError as exc:
            # Several broken rules are several lines: each one says it is an error.
            for line in (str(exc) + _HINTS.get(type(exc), "")).splitlines() or [""]:
                click.echo(f"Error: {line}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


class _Plain(logging.Formatter):
    """`Warning: message`, worded like the CLI's own warnings."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.capitalize()}: {record.getMessage()}"


@click.group(cls=Group)
@click.version_option(__version__, prog_name="provisioner")
@click.option("-v", "--verbose", is_flag=True, help="Log diagnostics to stderr.")
def cli(verbose: bool) -> None:
    """Kaleyra Video rooms as code: validate, plan and apply room files."""
    handler = logging.StreamHandler(sys.stderr)
    # Without -v only warnings show: the logger's name is noise to a user.
    verbose_format = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    handler.setFormatter(verbose_format if verbose else _Plain())
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler]
    )


# Where each command lives, so a command imports only what it needs: `plan`
# does not pay for the API client, `validate` not for the emulator.
_MODULES: dict[str, tuple[str, ...]] = {
    "validate": ("config_cmds",),
    "schema": ("config_cmds",),
    "init": ("config_cmds",),
    "plan": ("plan_cmds",),
    "apply": ("apply_cmds",),
    "import": ("adopt_cmds",),
    "state": ("state_cmds", "adopt_cmds"),
    "output": ("state_cmds",),
    "force-unlock": ("state_cmds",),
    "emulator": ("emulator_cmds",),
    "fmt": ("fmt_cmds",),
    "completion": ("fmt_cmds",),
}


def _load(*modules: str) -> None:
    # Importing a command module registers its commands on `cli`.
    for module in modules:
        importlib.import_module(f"provisioner.cli.{module}")


def _register() -> None:
    _load(*sorted({m for modules in _MODULES.values() for m in modules}))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="provisioner")
