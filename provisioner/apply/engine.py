"""The apply engine: a plan's operations, in order, with bounded concurrency.

Order: the pre-flight (reads only), then state-only flag updates, then the old
rooms an interrupted run left to retire, then users (create/update), then
rooms (concurrently, at most `parallelism` at once), then users that are
deleted or forgotten. Every operation records its outcome in the state as
soon as it is known, through the one `StateWriter`.

On the first failure no new operation starts; those in flight finish and are
recorded (`continue_on_error` keeps going with rooms that do not depend on
what failed). SIGINT and SIGTERM stop new work the same way; in-flight
operations get `grace` seconds and are then cancelled (a cancelled create
leaves its intent in the state, which the next run reconciles).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from provisioner.apply import entries, rooms, users
from provisioner.apply.context import Context
from provisioner.apply.ledger import Outcome
from provisioner.apply.preflight import preflight
from provisioner.apply.records import participants
from provisioner.errors import OperationInterrupted, ProvisionerError, StateError
from provisioner.plan import Action, Plan, RoomChange, UserChange
from provisioner.state.document import RetiringRoom, op_room_flag

STOP_SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


@dataclass(frozen=True)
class Operation:
    """One unit of work: its subject (for progress), what it does, how."""

    subject: str
    doing: str
    run: Callable[[], Awaitable[None]]


async def run_operation(ctx: Context, op: Operation, limit: asyncio.Semaphore) -> bool:
    """Run one operation unless the run is stopping; True when it succeeded."""
    async with limit:
        if ctx.stopper.stopped:
            ctx.ledger.skipped(op.subject)
            return False
        task = asyncio.current_task()
        assert task is not None
        ctx.inflight.add(task)
        ctx.ledger.begin(op.subject, op.doing)
        try:
            await op.run()
        except asyncio.CancelledError:
            ctx.ledger.failed(op.subject, OperationInterrupted("interrupted"))
            return False
        except ProvisionerError as exc:
            ctx.ledger.failed(op.subject, exc)
            if isinstance(exc, StateError) or not ctx.options.continue_on_error:
                ctx.stopper.stop(f"{op.subject} failed")
            return False
        finally:
            ctx.inflight.discard(task)
        return True


async def run_all(ctx: Context, ops: Iterable[Operation]) -> dict[str, bool]:
    """Run operations concurrently (bounded); success by subject."""
    limit = asyncio.Semaphore(max(1, ctx.options.parallelism))
    listed = list(ops)
    results = await asyncio.gather(*(run_operation(ctx, op, limit) for op in listed))
    return {op.subject: ok for op, ok in zip(listed, results, strict=True)}


def _flags(ctx: Context, plan: Plan) -> None:
    flags = [f for f in plan.flags if f.name in ctx.writer.state.rooms]
    if not flags:
        return
    ctx.writer.commit_now([op_room_flag(f.name, f.prevent_destroy) for f in flags])
    for flag in flags:
        word = "on" if flag.prevent_destroy else "off"
        ctx.ledger.note(f"{flag.name}: prevent_destroy {word} (state only)")
    ctx.ledger.outcomes[Outcome.FLAGGED] += len(flags)


def _retire_op(ctx: Context, old: RetiringRoom) -> Operation:
    subject = f"{old.name} (old room {old.room_id})"

    async def run() -> None:
        verb = await rooms.retire(ctx, old)
        line = f"{verb} old room {old.room_id} of {old.name}"
        ctx.ledger.done(subject, Outcome.RETIRED, line)

    return Operation(subject, f"retiring {old.room_id}", run)


_ENTRY_OPS: dict[Action, tuple[str, Callable[[Context, RoomChange], Awaitable[None]]]]
_ENTRY_OPS = {
    Action.MOVE: ("moving", entries.move),
    Action.IMPORT: ("importing", entries.adopt),
    Action.FORGET: ("forgetting", entries.forget),
}


def _room_op(ctx: Context, change: RoomChange) -> Operation:
    name = change.name
    if change.action in _ENTRY_OPS:
        doing, run = _ENTRY_OPS[change.action]
        return Operation(name, f"{doing} {name}", lambda: run(ctx, change))
    if change.action is Action.DELETE:
        return Operation(name, f"deleting {name}", lambda: rooms.delete(ctx, change))
    verb = "creating" if change.action is Action.CREATE else "replacing"

    async def create_or_replace() -> None:
        await entries.prepare(ctx, change)
        await rooms.create_or_replace(ctx, change)

    return Operation(name, f"{verb} {name}", create_or_replace)


def _user_op(ctx: Context, change: UserChange) -> Operation:
    subject = users.subject(change.user_id)
    if change.action is Action.DELETE:
        doing = f"removing user {change.user_id}"
        return Operation(subject, doing, lambda: users.drop_user(ctx, change))
    doing = f"{'creating' if change.action is Action.CREATE else 'updating'} {subject}"
    return Operation(subject, doing, lambda: users.put_user(ctx, change))


async def execute(ctx: Context, plan: Plan, external_users: Iterable[str] = ()) -> None:
    """Carry out `plan`; outcomes go to the ledger, failures stop new work."""
    await preflight(ctx.client, plan, external_users, ctx.options.parallelism)
    _flags(ctx, plan)
    leftovers = list(ctx.writer.state.retiring.values())
    await run_all(ctx, (_retire_op(ctx, old) for old in leftovers))
    puts = [c for c in plan.user_changes() if c.action is not Action.DELETE]
    done = await run_all(ctx, (_user_op(ctx, c) for c in puts))
    failed = {c.user_id for c in puts if not done[users.subject(c.user_id)]}
    changes = plan.room_changes()
    for change in changes:
        if participants(change.request or {}) & failed:
            ctx.ledger.skipped(change.name)
    ready = [c for c in changes if not participants(c.request or {}) & failed]
    await run_all(ctx, (_room_op(ctx, c) for c in ready))
    drops = [c for c in plan.user_changes() if c.action is Action.DELETE]
    await run_all(ctx, (_user_op(ctx, c) for c in drops))


def total_operations(plan: Plan, retiring: int) -> int:
    """How many operations a run of `plan` makes (for done/total)."""
    return retiring + len(plan.user_changes()) + len(plan.room_changes())


async def execute_until_stopped(
    ctx: Context, plan: Plan, external_users: Iterable[str] = ()
) -> None:
    """`execute`, with SIGINT/SIGTERM stopping new work instead of killing the run."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum, name in STOP_SIGNALS.items():
        try:
            loop.add_signal_handler(signum, _on_signal, ctx, name)
        except (ValueError, RuntimeError, NotImplementedError):
            continue  # not the main thread: the default handling stays
        installed.append(signum)
    try:
        await execute(ctx, plan, external_users)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _on_signal(ctx: Context, name: str) -> None:
    loop = asyncio.get_running_loop()
    if ctx.stopper.signal is not None:
        _cancel_inflight(ctx)  # a second signal: do not wait any longer
        return
    ctx.stopper.signal = name
    ctx.stopper.stop(f"interrupted by {name}")
    grace = ctx.options.grace
    ctx.ledger.note(
        f"{name}: starting nothing new; waiting up to {grace:g}s for the "
        f"{len(ctx.inflight)} operation(s) in flight"
    )
    loop.call_later(grace, _cancel_inflight, ctx)


def _cancel_inflight(ctx: Context) -> None:
    for task in list(ctx.inflight):
        task.cancel()
