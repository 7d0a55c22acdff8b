"""The apply workflow as a library: what `provisioner apply` does, minus the terminal.

`apply_fresh` holds the state lock from planning to the last state write: it
reconciles pending creates, refreshes, plans exactly as `plan` does, looks for
rooms the plan would duplicate (one walk of the room list, after the
reconciliation, so crash recovery never trips it), shows the plan, checks it
is safe, asks, and applies. `apply_saved` applies a saved plan exactly: stale
plans are refused first, then pending creates are reconciled, then the
duplicates are looked for.
What the user sees and answers goes through a `Console`, so the click command
only parses flags and renders.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from provisioner.apply.adoption import read_imports
from provisioner.apply.connect import api_key, client_for, require_key
from provisioner.apply.context import ApplyOptions
from provisioner.apply.ledger import ApplyReport
from provisioner.apply.planfile import load_plan
from provisioner.apply.progress import Progress
from provisioner.apply.refresh import RefreshResult, refresh, rooms_on_api
from provisioner.apply.run import ApplyRun
from provisioner.config import load_estate, load_settings
from provisioner.errors import ProvisionerError
from provisioner.kaleyra import ApiKey
from provisioner.model import Estate, Settings
from provisioner.plan import Plan, Request
from provisioner.plan.build import build_plan, offline_reason, policy
from provisioner.plan.entries import renamed
from provisioner.plan.request import allowance_phrase
from provisioner.plan.safety import (
    ListedRoom,
    judge,
    judge_duplicates,
    unrecorded_creates,
)
from provisioner.plan.savedplan import check_fresh
from provisioner.state import backend_for
from provisioner.state.document import State, StateBackend


class Console(Protocol):
    """Where an apply shows things and asks (a terminal, or a test)."""

    def show_plan(self, plan: Plan) -> None: ...
    def show_problems(self, problems: list[str]) -> None: ...
    def confirm(self) -> None: ...
    def note(self, text: str) -> None: ...
    def progress(self) -> Progress: ...


def check_reviewed(plan: Plan, expected: str | None) -> None:
    """Refuse a plan other than the one reviewed (`--expect-checksum`)."""
    if expected is None:
        return
    wanted = expected.strip().lower().removeprefix("sha256:")
    if wanted != plan.checksum:
        raise ProvisionerError(
            f"the plan made now (checksum {plan.checksum}) is not the reviewed plan "
            f"(checksum {wanted}); nothing was changed. Review a new plan"
        )


def load_checked_estate(settings: Settings, console: Console) -> Estate:
    """The estate, or an error after listing every problem in the files."""
    estate = load_estate(settings)
    if estate.problems:
        console.show_problems([str(problem) for problem in estate.problems])
        raise ProvisionerError(
            f"{len(estate.problems)} problem(s) in the room files; nothing was changed"
        )
    return estate


def apply_fresh(
    path: Path, options: ApplyOptions, lock_timeout: float, console: Console
) -> ApplyReport | None:
    """Plan, show, confirm and apply under the lock; None when nothing changed."""
    settings = load_settings(path)
    estate = load_checked_estate(settings, console)
    backend = backend_for(settings)
    key = api_key()
    offline = offline_reason(options, key is not None)
    if offline is None:
        key = require_key("refresh (or pass --no-refresh)")
    with backend.lock("apply", lock_timeout):
        state = backend.read()
        if key is None:
            _offline(settings, estate, state, options, console)
            return None
        options = dataclasses.replace(options, refresh=offline is None)

        async def work(run: ApplyRun) -> ApplyReport | None:
            return await _fresh_run(settings, estate, run, console, offline)

        return _with_run(settings, key, backend, state, options, console, work)


def apply_saved(
    path: Path, options: ApplyOptions, lock_timeout: float, console: Console
) -> ApplyReport | None:
    """Apply exactly a saved plan: refused when stale; None when it changes nothing."""
    plan = load_plan(path)
    settings = load_settings(Path("."))
    backend: StateBackend = backend_for(settings)
    with backend.lock("apply", lock_timeout):
        state = backend.read()
        check_fresh(plan, state)
        check_reviewed(plan, options.expect_checksum)
        if not plan.has_changes:
            console.note("No changes.")
            return None
        key = require_key("apply the plan")
        # A plan saved with --force stays forced; --force at apply time adds it.
        forced = options.force or plan.options.force
        options = dataclasses.replace(options, force=forced)

        async def work(run: ApplyRun) -> ApplyReport:
            run.ctx.on_replace = plan.on_replace
            await run.recover()
            await _no_duplicates(run, plan, console)
            return await run.execute(plan)

        return _with_run(settings, key, backend, state, options, console, work)


def _with_run(
    settings: Settings,
    key: ApiKey,
    backend: StateBackend,
    state: State,
    options: ApplyOptions,
    console: Console,
    work: Callable[[ApplyRun], Awaitable[ApplyReport | None]],
) -> ApplyReport | None:
    progress = console.progress()

    async def main() -> ApplyReport | None:
        async with client_for(settings, key, progress.retry) as client:
            run = ApplyRun(
                backend, state, client, options, progress, settings.on_replace
            )
            try:
                return await work(run)
            finally:
                run.finish()

    return asyncio.run(main())


async def _refreshed(run: ApplyRun) -> RefreshResult:
    if not run.ctx.options.refresh:
        return RefreshResult()
    return await refresh(run.ctx.client, run.state, run.ctx.options.parallelism)


async def _on_api(run: ApplyRun, plan: Plan) -> tuple[ListedRoom, ...]:
    """Live rooms unknown to the state that the plan's creates would duplicate."""
    if not run.ctx.options.refresh:
        return ()
    return await rooms_on_api(run.ctx.client, run.state, unrecorded_creates(plan))


async def _fresh_run(
    settings: Settings,
    estate: Estate,
    run: ApplyRun,
    console: Console,
    offline: str | None,
) -> ApplyReport | None:
    request = run.ctx.options.request()
    await run.recover()
    found = await _refreshed(run)
    plan = build_plan(
        settings,
        estate,
        run.state,
        request,
        drift=found.drift,
        users_gone=found.users_gone,
        read_back=await read_imports(run.ctx.client, estate.entries, run.state),
        offline=offline,
    )
    rules = policy(
        settings,
        request,
        renamed(plan.rooms, found.running),  # moved: entries rename them
        gone=found.gone,
        on_api=await _on_api(run, plan),
    )
    verdict = judge(plan, run.state, rules)
    plan = verdict.shown_on(plan)
    console.show_plan(plan)
    check_reviewed(plan, run.ctx.options.expect_checksum)
    verdict.enforce()
    if not plan.has_changes:
        return None
    console.confirm()
    return await run.execute(plan, estate.external_users)


async def _no_duplicates(run: ApplyRun, plan: Plan, console: Console) -> None:
    """A saved plan's creates must not repeat live rooms the state lacks.

    The plan may have been made offline, so apply looks, once the pending
    creates are reconciled; --allow-duplicates at plan or apply time lifts it.
    """
    options = run.ctx.options
    allow = options.allow_duplicates or plan.options.allow_duplicates
    request = Request(allow_duplicates=allow)
    found = await rooms_on_api(run.ctx.client, run.state, unrecorded_creates(plan))
    verdict = judge_duplicates(plan, found, request)
    verdict.enforce()
    for allowance in verdict.allowed:
        console.note(f"{allowance.what}; allowed by {allowance_phrase(allowance.name)}")


def _offline(
    settings: Settings,
    estate: Estate,
    state: State,
    options: ApplyOptions,
    console: Console,
) -> None:
    """Without a key: show the plan; fine when there is nothing to do."""
    request = options.request()
    offline = offline_reason(request, has_key=False)
    plan = build_plan(settings, estate, state, request, offline=offline)
    verdict = judge(plan, state, policy(settings, request))
    plan = verdict.shown_on(plan)
    console.show_plan(plan)
    verdict.enforce()
    if plan.has_changes:
        require_key("apply these changes")
