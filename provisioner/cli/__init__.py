"""The `provisioner` command line: the only place errors become exit codes."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from provisioner import __version__
from provisioner.errors import ProvisionerError

EXIT_ERROR = 1


class Group(click.Group):
    """A click group that turns our errors into one line and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProvisionerError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)
        except click.exceptions.UsageError:
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="provisioner")
@click.option("-v", "--verbose", is_flag=True, help="Log diagnostics to stderr.")
def cli(verbose: bool) -> None:
    """Kaleyra Video rooms as code: validate, plan and apply room files."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _register() -> None:
    # Each command family lives in its own module; importing registers it.
    from provisioner.cli import (  # noqa: F401
        apply_cmds,
        config_cmds,
        emulator_cmds,
        plan_cmds,
        state_cmds,
    )


def main() -> None:
    """Console-script entry point."""
    _register()
    cli(prog_name="provisioner")
