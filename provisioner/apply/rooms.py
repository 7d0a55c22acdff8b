"""One room operation at a time: create, replace, delete, retire an old room.

Every create writes its intent to the state before the request is sent, and
the room (with the old room it replaces, in the same unit) once it is known.
A lost answer is resolved by reconciliation, never by a blind second create.
A replace is create-before-destroy: the old room is disabled or deleted only
after the new one is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from provisioner.apply.context import Context
from provisioner.apply.ledger import Outcome
from provisioner.apply.reconcile import ambiguous, find_candidates
from provisioner.apply.records import (
    record_adopted,
    record_created,
    still_replaces,
    store_ops,
)
from provisioner.errors import (
    ApiError,
    NotFoundError,
    OutcomeUnknownError,
    ProvisionerError,
    UnsafePlanError,
)
from provisioner.kaleyra import RoomInfo
from provisioner.plan import Action, RoomChange
from provisioner.rules import RoomStatus
from provisioner.state.document import (
    PendingCreate,
    RetiringRoom,
    RoomRecord,
    op_pending_add,
    op_pending_drop,
    op_retire_drop,
    op_room_drop,
    op_room_flag,
    utc_now,
)


async def readable_idle(
    ctx: Context, name: str, room_id: str, verb: str
) -> RoomInfo | None:
    """The room read back just before `verb`; None when it is already gone.

    A room with a call in progress is refused unless --force.
    """
    try:
        info = await ctx.client.room_info(room_id)
    except NotFoundError:
        return None
    if info.status == RoomStatus.RUNNING and not ctx.options.force:
        raise UnsafePlanError(
            f"{name}: room {room_id} is RUNNING (a call is in progress); "
            f"refusing to {verb} it without --force"
        )
    return info


async def create(
    ctx: Context, name: str, change: RoomChange, replaces: str | None
) -> tuple[RoomRecord, bool]:
    """Create the room of `change`: its record, and True if found, not answered."""
    request: Mapping[str, Any] = change.request or {}
    unknown = 0
    while True:
        intent = PendingCreate(
            name, dict(request), change.fingerprint or "", utc_now(), replaces
        )
        await ctx.writer.commit([op_pending_add(intent)])
        try:
            created = await ctx.client.create_room(request)
        except OutcomeUnknownError as exc:
            unknown += 1
            found = await _look_for(ctx, intent, change.prevent_destroy)
            if found is not None:
                return found, True
            if unknown >= ctx.options.max_unknown or ctx.stopper.stopped:
                raise _gave_up(exc, unknown) from None  # the intent stays
            continue
        except ApiError:
            # Refused for sure (4xx, 429 after retries, no connection): no room.
            await ctx.writer.commit([op_pending_drop(name)])
            raise
        record = record_created(intent, created, change.prevent_destroy)
        await _store(ctx, intent, record)
        return record, False


def _gave_up(exc: OutcomeUnknownError, tries: int) -> OutcomeUnknownError:
    """The error after the last lost answer: what happened and what comes next.

    The client's own words ("reconcile before creating again") were advice to
    the engine, which has by now done exactly that.
    """
    times = "once" if tries == 1 else f"{tries} times"
    return OutcomeUnknownError(
        f"the answer to the create was lost {times} and no room was found on the "
        "API; the next apply looks for it again before creating it",
        method=exc.method,
        path=exc.path,
        status=exc.status,
        code=exc.code,
    )


async def _look_for(
    ctx: Context, intent: PendingCreate, prevent_destroy: bool
) -> RoomRecord | None:
    """After a lost answer: adopt the room the create made, or None if it made none."""
    await asyncio.sleep(ctx.options.reconcile_delay)
    known = ctx.writer.state.known_room_ids()
    candidates = await find_candidates(ctx.client, intent, known)
    if len(candidates) > 1:
        raise ambiguous(intent.name, candidates)
    if not candidates:
        return None
    found = candidates[0]
    record = record_adopted(
        intent, found.info, found.summary.created_at, prevent_destroy
    )
    await _store(ctx, intent, record)
    return record


async def _store(ctx: Context, intent: PendingCreate, record: RoomRecord) -> None:
    old = still_replaces(ctx.writer.state, intent)
    await ctx.writer.commit(store_ops(intent.name, record, old, ctx.on_replace))


async def create_or_replace(ctx: Context, change: RoomChange) -> None:
    """Carry out a planned create or replace of one room."""
    name = change.name
    adopted = ctx.adopted.get(name)
    if adopted is not None and adopted.fingerprint == change.fingerprint:
        await _satisfied(ctx, change, adopted)
        return
    old = change.room_id if change.action is Action.REPLACE else None
    if adopted is not None:
        # Adopted from an older intent that the files no longer want.
        old = adopted.room_id
    gone = old is not None and await readable_idle(ctx, name, old, "replace") is None
    replaces = None if gone else old
    record, found = await create(ctx, name, change, replaces)
    how = "; its answer was lost, the room was found and adopted" if found else ""
    if old is None:
        ctx.ledger.done(
            name, Outcome.CREATED, f"created {name} ({record.room_id}{how})"
        )
        return
    verb = "already gone" if replaces is None else await _retire_old(ctx, record, old)
    line = f"replaced {name} ({old} -> {record.room_id}, old room {verb}{how})"
    ctx.ledger.done(name, Outcome.REPLACED, line)


async def _retire_old(ctx: Context, record: RoomRecord, old: str) -> str:
    retiring = ctx.writer.state.retiring.get(old)
    if retiring is None:
        return "no longer in the state"
    try:
        return await retire(ctx, retiring)
    except ProvisionerError as exc:
        raise ProvisionerError(
            f"new room {record.room_id} recorded, but the old room {old} is "
            f"kept as retiring (the next apply finishes it): {exc}"
        ) from None


async def _satisfied(ctx: Context, change: RoomChange, adopted: RoomRecord) -> None:
    """A planned create that reconciliation already made: skipped, not repeated."""
    if adopted.prevent_destroy != change.prevent_destroy:
        await ctx.writer.commit([op_room_flag(change.name, change.prevent_destroy)])
    line = f"{change.name}: already created ({adopted.room_id}), not repeated"
    ctx.ledger.done(change.name, Outcome.SKIPPED, line)


async def delete(ctx: Context, change: RoomChange) -> None:
    """Carry out a planned delete of one room (404: it is already gone)."""
    name = change.name
    current = ctx.writer.state.rooms.get(name)
    if current is None or current.room_id != change.room_id:
        ctx.ledger.done(name, Outcome.SKIPPED, f"{name}: no longer in the state")
        return
    if change.forget_only:
        # Drift: the room is already gone on the API and gone from the files.
        await ctx.writer.commit([op_room_drop(name)])
        line = f"forgot {name} ({current.room_id}, already gone)"
        ctx.ledger.done(name, Outcome.DROPPED, line)
        return
    info = await readable_idle(ctx, name, current.room_id, "delete")
    if info is not None:
        with contextlib.suppress(NotFoundError):
            await ctx.client.delete_room(current.room_id)
    await ctx.writer.commit([op_room_drop(name)])
    gone = "" if info is not None else ", already gone"
    ctx.ledger.done(name, Outcome.DELETED, f"deleted {name} ({current.room_id}{gone})")


async def retire(ctx: Context, old: RetiringRoom) -> str:
    """Disable or delete the old room of a replacement; the past-tense verb."""
    verb = "delete" if old.action == "delete" else "disable"
    info = await readable_idle(ctx, f"{old.name} (old room)", old.room_id, verb)
    try:
        if info is not None and verb == "delete":
            await ctx.client.delete_room(old.room_id)
        elif info is not None and not info.disabled:
            await ctx.client.disable_room(old.room_id)
    except NotFoundError:
        info = None
    await ctx.writer.commit([op_retire_drop(old.room_id)])
    return f"{verb}d" if info is not None else "already gone"
