"""CLI commands: plan.

`plan` reads the files and the state (no lock: state writes are atomic),
optionally refreshes from the API (and then looks for rooms its creates would
duplicate), shows the plan on stdout, checks it is safe, and saves it with
--out. Exit codes follow Terraform: 0, 1 on any error,
and with --detailed-exitcode 2 when there are changes.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click

from provisioner import environment
from provisioner.apply.planfile import save_plan
from provisioner.cli.options import Duration, format_option, request_options
from provisioner.config import (
    Settings,
    load_estate,
    load_settings,
    state_tracked_warning,
)
from provisioner.errors import ProvisionerError
from provisioner.model import Estate
from provisioner.plan import Plan, Request
from provisioner.plan.build import build_plan, offline_reason, policy
from provisioner.plan.entries import renamed
from provisioner.plan.importing import ReadBack
from provisioner.plan.safety import ListedRoom, judge, unrecorded_creates
from provisioner.render import FORMATS, render
from provisioner.render.markdown import render_refused
from provisioner.state import backend_for
from provisioner.state.document import State

EXIT_CHANGES = 2
Refreshed = tuple[Mapping[str, str], frozenset[str], frozenset[str]]
NOT_REFRESHED: Refreshed = ({}, frozenset(), frozenset())


def use_color(stream: IO[Any], environ: Mapping[str, str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return not environ.get("NO_COLOR") and stream.isatty()


def refresh_state(settings: Settings, state: State) -> Refreshed:
    """Read every managed room and user back: (drift, RUNNING rooms, users gone)."""
    # Imported here: the HTTP stack costs start-up time an offline plan skips.
    from provisioner.apply.connect import client_for, require_key
    from provisioner.apply.refresh import refresh

    key = require_key("refresh (or pass --no-refresh)")

    async def run() -> Refreshed:
        async with client_for(settings, key) as client:
            result = await refresh(client, state)
        return result.drift, frozenset(result.running), frozenset(result.users_gone)

    return asyncio.run(run())


def read_imports(
    settings: Settings, estate: Estate, state: State
) -> Mapping[str, ReadBack]:
    """The rooms of the files' `import:` entries, read back (room/info)."""
    if not estate.entries.imports:
        return {}
    from provisioner.apply import adoption
    from provisioner.apply.connect import client_for, require_key

    key = require_key("read the rooms to import (or pass --no-refresh)")

    async def run() -> Mapping[str, ReadBack]:
        async with client_for(settings, key) as client:
            return await adoption.read_imports(client, estate.entries, state)

    return asyncio.run(run())


def find_on_api(settings: Settings, plan: Plan, state: State) -> list[ListedRoom]:
    """Live rooms the state lacks that the plan's creates would duplicate.

    One walk of the room list, and none when the plan creates nothing new.
    `plan` reconciles no pending create: those are left out (apply adopts
    their rooms first).
    """
    wanted = unrecorded_creates(plan)
    if not wanted:
        return []
    from provisioner.apply.connect import client_for, require_key
    from provisioner.apply.refresh import rooms_on_api

    key = require_key("refresh (or pass --no-refresh)")

    async def run() -> list[ListedRoom]:
        async with client_for(settings, key) as client:
            return list(await rooms_on_api(client, state, wanted))

    return asyncio.run(run())


def check_users(settings: Settings, plan: Plan, external: Collection[str]) -> None:
    """Every user the plan's rooms need exists, and each room has a plus user.

    Apply runs the same pre-flight; running it here fails the pull request
    rather than the apply halfway.
    """
    from provisioner.apply.connect import client_for, require_key
    from provisioner.apply.preflight import preflight

    key = require_key("check users (or pass --no-refresh)")

    async def run() -> None:
        async with client_for(settings, key) as client:
            await preflight(client, plan, external)

    asyncio.run(run())


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one command.

    Loading 10,000 rooms and their state makes millions of objects that live
    until the command ends; the collector traversing them again and again cost
    about 40% of a large plan. Reference counting still frees the rest.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def show(plan: Plan, fmt: str, color: bool, refused: str | None = None) -> None:
    """The plan on stdout (the error follows on stderr).

    A PR comment must not read like an approvable plan when it is refused, so
    markdown also says why, at the top.
    """
    if refused is not None and fmt == "markdown":
        text = render_refused(plan, refused)
    else:
        text = render(plan, fmt, color=color)
    click.echo(text, nl=False, color=color)


def _state_warnings(settings: Settings) -> tuple[str, ...]:
    warning = state_tracked_warning(settings)
    return (warning,) if warning else ()


@click.command("plan")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan for `provisioner apply FILE`.",
)
@format_option(
    FORMATS,
    "text for a terminal, json for machines, markdown for a PR comment, "
    "gitlab for GitLab's Terraform report.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 with no changes, 2 with changes, 1 on error.",
)
@request_options
@click.option(
    "--lock-timeout",
    type=Duration(),
    default="0s",
    metavar="DURATION",
    help="Accepted for symmetry with apply; plan takes no lock.",
)
def plan_command(
    path: Path,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    request: Request,
    lock_timeout: float,
) -> None:
    """Show what apply would change: rooms created, replaced (new links), deleted."""
    with without_cycle_collection():
        has_changes = run_plan(path, request, fmt=fmt, out=out)
    if detailed_exitcode and has_changes:
        raise click.exceptions.Exit(EXIT_CHANGES)


def run_plan(path: Path, request: Request, *, fmt: str, out: Path | None) -> bool:
    """Plan, print, check safety, save; True when the plan has changes."""
    settings = load_settings(path)
    estate = load_estate(settings)
    if estate.problems:
        for problem in estate.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1)
    # Without links: a plan needs none, and a plan-only role may read none.
    state = backend_for(settings).read(links=False)
    offline = offline_reason(request, environment.has_api_key())
    found = refresh_state(settings, state) if offline is None else NOT_REFRESHED
    drift, running, gone = found
    plan = build_plan(
        settings,
        estate,
        state,
        request,
        drift=drift,
        warnings=_state_warnings(settings),
        users_gone=gone,
        read_back=read_imports(settings, estate, state) if offline is None else None,
        offline=offline,
    )
    color = fmt == "text" and use_color(sys.stdout, os.environ)
    try:
        on_api = find_on_api(settings, plan, state) if offline is None else []
        running = renamed(plan.rooms, running)  # moved: entries rename them
        rules = policy(settings, request, running, gone=drift.keys(), on_api=on_api)
        verdict = judge(plan, state, rules)
        plan = verdict.shown_on(plan)
        verdict.enforce()
        if offline is None:
            check_users(settings, plan, estate.external_users)
    except ProvisionerError as exc:
        show(plan, fmt, color, refused=str(exc))
        raise
    show(plan, fmt, color)
    if out is not None:
        save_plan(plan, out)
        click.echo(f"Saved the plan to {out}: provisioner apply {out}", err=True)
    return plan.has_changes
