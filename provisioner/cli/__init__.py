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


class LazyGroup(click.Group):
    """click's LazyGroup recipe: a subcommand's module is imported when it is used.

    `lazy` maps a command name to "module:attribute"; `plan` then never pays
    for the API client, nor `validate` for the emulator.
    """

    def __init__(
        self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


class Group(LazyGroup):
    """The top group: our errors become one line and exit 1.

    Usage errors exit 1 as well.
    """

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


# Where each command lives; imported only when that command runs.
COMMANDS: dict[str, str] = {
    "validate": "provisioner.cli.config_cmds:validate",
    "schema": "provisioner.cli.config_cmds:schema_command",
    "init": "provisioner.cli.config_cmds:init_command",
    "plan": "provisioner.cli.plan_cmds:plan_command",
    "apply": "provisioner.cli.apply_cmds:apply_command",
    "import": "provisioner.cli.adopt_cmds:import_command",
    "drift": "provisioner.cli.drift_cmds:drift_command",
    "dump": "provisioner.cli.dump_cmds:dump_command",
    "state": "provisioner.cli.state_cmds:state_group",
    "output": "provisioner.cli.state_cmds:output_cmd",
    "force-unlock": "provisioner.cli.state_cmds:force_unlock_cmd",
    "emulator": "provisioner.cli.emulator_cmds:emulator",
    "doctor": "provisioner.cli.doctor_cmds:doctor_command",
    "pr-comment": "provisioner.cli.ci_cmds:pr_comment",
    "ci": "provisioner.cli.ci_cmds:ci_group",
    "fmt": "provisioner.cli.fmt_cmds:fmt_command",
    "completion": "provisioner.cli.fmt_cmds:completion_command",
}
cli.lazy.update(COMMANDS)


def _register() -> None:
    """Load every command now (tests that inspect `cli.commands` call it)."""
    context = click.Context(cli)
    for name in cli.list_commands(context):
        cli.get_command(context, name)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="provisioner")
