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

import asyncio
import dataclasses
import os
import shutil
import sys
from pathlib import Path

import click

from provisioner.apply.connect import api_key, client_for, require_key
from provisioner.apply.context import ApplyOptions, reconcile_delay_from_env
from provisioner.apply.ledger import ApplyReport
from provisioner.apply.run import ApplyRun
from provisioner.cli import cli
from provisioner.cli.backend import backend_for
from provisioner.cli.options import lock_timeout_option
from provisioner.config import Estate, Settings, load_estate, load_settings
from provisioner.errors import ProvisionerError
from provisioner.kaleyra import ApiKey
from provisioner.planfile import check_fresh, load_plan
from provisioner.planner import PlanRequest, build_plan, policy
from provisioner.progress import Progress
from provisioner.refresh import RefreshResult, refresh
from provisioner.render import render
from provisioner.safety import check_safety
from provisioner.state.document import State, StateBackend

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
    answer = click.prompt(PROMPT, default="", show_default=False, prompt_suffix=": ")
    if answer.strip() != "yes":
        raise ProvisionerError("apply cancelled; nothing was changed")


def load_checked_estate(settings: Settings) -> Estate:
    estate = load_estate(settings)
    if estate.problems:
        for problem in estate.problems:
            click.echo(str(problem), err=True)
        raise ProvisionerError(
            f"{len(estate.problems)} problem(s) in the room files; nothing was changed"
        )
    return estate


async def _refreshed(run: ApplyRun, enabled: bool) -> RefreshResult:
    if not enabled:
        return RefreshResult()
    return await refresh(run.ctx.client, run.state, run.ctx.options.parallelism)


async def _fresh_run(
    settings: Settings,
    estate: Estate,
    run: ApplyRun,
    request: PlanRequest,
    flags: tuple[bool, bool],
) -> ApplyReport | None:
    do_refresh, auto_approve = flags
    await run.recover()
    found = await _refreshed(run, do_refresh)
    plan = build_plan(
        settings,
        estate,
        run.state,
        request,
        drift=found.drift,
        users_gone=found.users_gone,
    )
    click.echo(render(plan, "text"), nl=False)
    check_safety(plan, run.state, policy(settings, request, found.running))
    if not plan.has_changes:
        return None
    confirm(auto_approve)
    return await run.execute(plan, estate.external_users)


def _offline(
    settings: Settings, estate: Estate, state: State, request: PlanRequest
) -> None:
    """Without a key: show the plan; fine when there is nothing to do."""
    plan = build_plan(settings, estate, state, request)
    click.echo(render(plan, "text"), nl=False)
    check_safety(plan, state, policy(settings, request))
    if plan.has_changes:
        require_key("apply these changes")


def apply_fresh(
    path: Path,
    request: PlanRequest,
    options: ApplyOptions,
    lock_timeout: float,
    flags: tuple[bool | None, bool],
) -> ApplyReport | None:
    """Plan, show, confirm and apply under the lock; None when nothing changed."""
    settings = load_settings(path)
    estate = load_checked_estate(settings)
    backend = backend_for(settings)
    key = api_key()
    do_refresh = key is not None if flags[0] is None else flags[0]
    if do_refresh:
        key = require_key("refresh (or pass --no-refresh)")
    with backend.lock("apply", lock_timeout):
        state = backend.read()
        if key is None:
            _offline(settings, estate, state, request)
            return None
        progress = make_progress()

        async def main(key: ApiKey) -> ApplyReport | None:
            async with client_for(settings, key, progress.retry) as client:
                run = ApplyRun(
                    backend, state, client, options, progress, settings.on_replace
                )
                try:
                    return await _fresh_run(
                        settings, estate, run, request, (do_refresh, flags[1])
                    )
                finally:
                    run.finish()

        return asyncio.run(main(key))


def apply_saved(
    path: Path, options: ApplyOptions, lock_timeout: float
) -> ApplyReport | None:
    """Apply exactly a saved plan: refused when stale; None when it changes nothing."""
    plan = load_plan(path)
    settings = load_settings(Path("."))
    backend: StateBackend = backend_for(settings)
    with backend.lock("apply", lock_timeout):
        state = backend.read()
        check_fresh(plan, state)
        if not plan.has_changes:
            click.echo("No changes.")
            return None
        key = require_key("apply the plan")
        progress = make_progress()
        forced = dataclasses.replace(options, force=options.force or plan.options.force)

        async def main() -> ApplyReport:
            async with client_for(settings, key, progress.retry) as client:
                run = ApplyRun(
                    backend, state, client, forced, progress, plan.on_replace
                )
                try:
                    await run.recover()
                    return await run.execute(plan)
                finally:
                    run.finish()

        return asyncio.run(main())


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


@cli.command("apply")
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
@lock_timeout_option
@click.option(
    "--refresh/--no-refresh",
    default=None,
    help="Read rooms back from the API first.  [default: on when KALEYRA_API_KEY "
    "is set]",
)
@click.option("--target", multiple=True, metavar="NAME", help="Only these rooms.")
@click.option("--replace", multiple=True, metavar="NAME", help="Force a new room.")
@click.option("--allow-deletes", is_flag=True, help="Allow protected/mass deletes.")
@click.option("--allow-replace", is_flag=True, help="Allow protected replaces.")
@click.option(
    "--force", is_flag=True, help="Replace or delete rooms with a call in progress."
)
def apply_command(
    source: Path,
    auto_approve: bool,
    parallelism: int,
    continue_on_error: bool,
    lock_timeout: float,
    refresh: bool | None,
    target: tuple[str, ...],
    replace: tuple[str, ...],
    allow_deletes: bool,
    allow_replace: bool,
    force: bool,
) -> None:
    """Apply the room files (or a saved plan) to Kaleyra."""
    options = ApplyOptions(
        parallelism=parallelism,
        continue_on_error=continue_on_error,
        force=force,
        reconcile_delay=reconcile_delay_from_env(),
    )
    if not source.exists():
        raise ProvisionerError(
            f"{source}: no such project folder or saved plan "
            "(apply takes a folder holding provisioner.yaml, or a file written by "
            "provisioner plan --out)"
        )
    if source.is_file():
        planning = {
            "--target": target,
            "--replace": replace,
            "--allow-deletes": allow_deletes,
            "--allow-replace": allow_replace,
        }
        given = [flag for flag, value in planning.items() if value]
        if given:
            raise click.UsageError(
                f"{given[0]} cannot change a saved plan; make a new plan with it"
            )
        report_outcome(apply_saved(source, options, lock_timeout))
        return
    request = PlanRequest(target, replace, allow_deletes, allow_replace, force)
    report = apply_fresh(
        source, request, options, lock_timeout, (refresh, auto_approve)
    )
    report_outcome(report)


from provisioner.cli import adopt_cmds  # noqa: E402, F401  (registers import, resolve)
