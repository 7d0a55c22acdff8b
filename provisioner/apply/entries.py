"""The entries of room files at apply time: moved, import, removed.

Each is a change of the state alone, with no API write: a move renames the
state entry (same room id, same links); an import reads the room back
(room/info) and records it with the links room/info shows, which for an
imported room are the links of record (they are never compared with links a
create answered); a forget drops the room from the state and leaves it
working on the API. A replace or re-create of a moved or imported room does
the entry first, in its own durable unit, then its API work.
"""

from __future__ import annotations

from provisioner.apply.adoption import imported_room, read_room, refusal
from provisioner.apply.context import Context
from provisioner.apply.ledger import Outcome
from provisioner.errors import ProvisionerError, StateError
from provisioner.model import RoomSpec
from provisioner.plan import Action, RoomChange
from provisioner.state.document import (
    Op,
    RoomRecord,
    op_room_drop,
    op_room_flag,
    op_room_move,
    op_room_put,
)


async def move(ctx: Context, change: RoomChange) -> None:
    """A planned MOVE: the state entry renamed, the room and its links kept."""
    record = await rename(ctx, change)
    line = f"moved {change.moved_from} to {change.name} ({record.room_id}; same links)"
    ctx.ledger.done(change.name, Outcome.MOVED, line)


async def adopt(ctx: Context, change: RoomChange) -> None:
    """A planned IMPORT: the room read back and recorded, as the plan compared it."""
    record = await take(ctx, change, exact=True)
    users = ", ".join(sorted(record.urls))
    line = f"imported {record.room_id} as {change.name} (participants: {users})"
    ctx.ledger.done(change.name, Outcome.IMPORTED, line)


async def forget(ctx: Context, change: RoomChange) -> None:
    """A planned FORGET: the room dropped from the state, left on the API."""
    name = change.name
    current = ctx.writer.state.rooms.get(name)
    if current is None or current.room_id != change.room_id:
        ctx.ledger.done(name, Outcome.SKIPPED, f"{name}: no longer in the state")
        return
    await ctx.writer.commit([op_room_drop(name)])
    line = f"forgot {name} ({current.room_id}); the room stays on the API"
    ctx.ledger.done(name, Outcome.FORGOTTEN, line)


async def prepare(ctx: Context, change: RoomChange) -> None:
    """The entry a replace or create follows, done before its API work."""
    if change.moved_from is not None:
        await rename(ctx, change)
    if change.imported and change.action is Action.REPLACE:
        await take(ctx, change, exact=False)


async def rename(ctx: Context, change: RoomChange) -> RoomRecord:
    """Move the state entry of `change.moved_from` to `change.name`."""
    old, name = change.moved_from or "", change.name
    state = ctx.writer.state
    current = state.rooms.get(old)
    if current is None or change.room_id not in (None, current.room_id):
        raise StateError(f"{old} is no longer in the state as planned; plan again")
    if name in state.rooms:
        raise StateError(f"{name} is already in the state; plan again")
    ops: list[Op] = [op_room_move(old, name)]
    if change.action is Action.MOVE and current.prevent_destroy != (
        change.prevent_destroy
    ):
        ops.append(op_room_flag(name, change.prevent_destroy))
    await ctx.writer.commit(ops)
    return current


async def take(ctx: Context, change: RoomChange, *, exact: bool) -> RoomRecord:
    """Read the room of an import back and record it under `change.name`.

    `exact`: refuse a room that differs from the files in what room/info
    shows (an import planned offline, or a room changed since the plan).
    """
    name, room_id = change.name, change.room_id or ""
    if name in ctx.writer.state.rooms:
        raise StateError(f"{name} is already in the state; plan again")
    if room_id in ctx.writer.state.known_room_ids():
        raise StateError(f"room {room_id} is already in the state; plan again")
    info = await read_room(ctx.client, room_id)
    why = refusal(info)
    if why is not None:
        raise ProvisionerError(f"cannot import it: {why}")
    spec = RoomSpec(name, change.request or {}, change.prevent_destroy)
    imported = imported_room(info, spec)
    if exact and imported.differs:
        raise ProvisionerError(
            f"room {room_id} differs from the files in "
            f"{', '.join(imported.differs)}: nothing imported; plan again, "
            "reading the rooms back, to see the replace it needs"
        )
    await ctx.writer.commit([op_room_put(name, imported.record)])
    return imported.record
