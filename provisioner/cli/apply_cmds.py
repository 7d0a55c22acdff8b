"""CLI commands: apply (and, through adopt_cmds, import and state resolve).

`apply [PATH | PLANFILE]` holds the state lock from planning to the last state
write. With a saved plan it checks freshness first, then reconciles pending
creates, then runs exactly that plan. Otherwise it reconciles, refreshes,
plans exactly as `plan` does, shows the plan on stdout and asks before
changing anything (`--auto-approve` in CI; never without a terminal).
Progress goes to stderr; the closing summary to stdout. Exit codes: 0 done
(or nothing to do), 1 error or an operation failed, 130 after SIGINT and 143
after SIGTERM (everything finished before the signal is recorded).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from provisioner.apply.context import ApplyOptions, reconcile_delay_from_env
from provisioner.apply.ledger import ApplyReport
from provisioner.apply.progress import Progress
from provisioner.apply.workflow import apply_fresh, apply_saved
from provisioner.cli import question
from provisioner.cli.options import lock_timeout_option, request_options
from provisioner.errors import ProvisionerError
from provisioner.plan import Plan, Request
from provisioner.render import render

PROMPT = "Do you want to perform these actions? Only 'yes' will be accepted"
EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}


def make_progress() -> Progress:
    """Live on a terminal, one line per operation elsewhere; always on stderr."""
    live = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    width = shutil.get_terminal_size().columns
    return Progress(lambda text: click.echo(text, nl=False, err=True), live, width)


def confirm(auto_approve: bool) -> None:
    """Ask for 'yes' on a terminal; refuse to guess without one."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ProvisionerError(
            "no terminal to ask for confirmation: pass --auto-approve, or apply a "
            "saved plan (provisioner plan --out FILE, then provisioner apply FILE)"
        )
    if ask(f"{PROMPT}: ").strip() != "yes":
        raise ProvisionerError(cancelled())


def cancelled(how: str = "") -> str:
    """The words for an apply the user stopped at the question."""
    return f"apply cancelled{f' ({how})' if how else ''}; nothing was changed"


def ask(prompt: str) -> str:
    """One line from the terminal; Ctrl-C exits 130 and Ctrl-D exits 1, at once."""
    try:
        return question.ask(prompt, sys.stdin)
    except KeyboardInterrupt:
        click.echo("", err=True)
        click.echo(f"Error: {cancelled('Ctrl-C')}", err=True)
        raise click.exceptions.Exit(EXIT_SIGNAL["SIGINT"]) from None
    except EOFError:
        click.echo("", err=True)
        raise ProvisionerError(cancelled("end of input")) from None


class TerminalConsole:
    """The apply workflow's console: plan on stdout, progress on stderr."""

    def show_plan(self, plan: Plan) -> None:
        click.echo(render(plan, "text"), nl=False)

    def show_problems(self, problems: list[str]) -> None:
        for problem in problems:
            click.echo(problem, err=True)

    def confirm(self) -> None:
        confirm(auto_approve=False)

    def note(self, text: str) -> None:
        click.echo(text)

    def progress(self) -> Progress:
        return make_progress()


class ApprovedConsole(TerminalConsole):
    """--auto-approve: the same console that never asks."""

    def confirm(self) -> None:
        pass


def report_outcome(report: ApplyReport | None) -> None:
    """The closing summary on stdout; problems on stderr; the exit code."""
    if report is None:
        return
    click.echo(report.summary())
    for line in report.notes():
        click.echo(line)
    for line in report.problems():
        click.echo(line, err=True)
    if report.interrupted is not None:
        click.echo(
            f"Interrupted by {report.interrupted}: everything finished before it is "
            "recorded in the state; run apply again to finish",
            err=True,
        )
        raise click.exceptions.Exit(EXIT_SIGNAL.get(report.interrupted, 1))
    if not report.ok:
        click.echo(
            "Error: apply did not finish; everything done is recorded in the state",
            err=True,
        )
        raise click.exceptions.Exit(1)


@click.command("apply")
@click.argument("source", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Apply without asking (CI).")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Room operations in flight at once.",
)
@click.option(
    "--continue-on-error",
    is_flag=True,
    help="Keep going with unrelated rooms after a failure.",
)
@click.option(
    "--expect-checksum",
    metavar="SUM",
    help="Apply only if the plan's checksum is SUM (the reviewed plan's).",
)
@lock_timeout_option
@request_options
def apply_command(
    source: Path,
    auto_approve: bool,
    parallelism: int,
    continue_on_error: bool,
    expect_checksum: str | None,
    lock_timeout: float,
    request: Request,
) -> None:
    """Apply the room files (or a saved plan) to Kaleyra."""
    options = ApplyOptions(
        **vars(request),
        parallelism=parallelism,
        continue_on_error=continue_on_error,
        expect_checksum=expect_checksum,
        reconcile_delay=reconcile_delay_from_env(),
    )
    console = ApprovedConsole() if auto_approve else TerminalConsole()
    if not source.exists():
        raise ProvisionerError(
            f"{source}: no such project folder or saved plan "
            "(apply takes a folder holding provisioner.yaml, or a file written by "
            "provisioner plan --out)"
        )
    if source.is_file():
        _refuse_planning_flags(request)
        report_outcome(apply_saved(source, options, lock_timeout, console))
        return
    report_outcome(apply_fresh(source, options, lock_timeout, console))


def _refuse_planning_flags(request: Request) -> None:
    """A saved plan is applied as reviewed: flags that would re-plan it are refused.

    Only flags typed on the command line: a PROVISIONER_ALLOW_* variable set
    for the whole CI job must not break `apply PLANFILE`.
    """
    typed = click.get_current_context().get_parameter_source
    planning = {
        "--target": request.targets,
        "--replace": request.replace,
        "--allow-deletes": request.allow_deletes
        and typed("allow_deletes") is ParameterSource.COMMANDLINE,
        "--allow-replace": request.allow_replace
        and typed("allow_replace") is ParameterSource.COMMANDLINE,
    }
    given = [flag for flag, value in planning.items() if value]
    if given:
        raise click.UsageError(
            f"{given[0]} cannot change a saved plan; make a new plan with it"
        )
