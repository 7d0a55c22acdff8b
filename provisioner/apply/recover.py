"""Finishing what an interrupted apply left: its pending creates.

Each intent left in the state is looked for on the API (see `reconcile`):
the room it made is adopted (and the room it replaced becomes retiring, in
the same unit), an intent that made no room is cleared so the plan creates
it, and an intent that several rooms match stops the run for a human.
"""

from __future__ import annotations

from provisioner.apply.context import Context
from provisioner.apply.ledger import Outcome
from provisioner.apply.reconcile import ambiguous, find_candidates
from provisioner.apply.records import record_adopted, still_replaces, store_ops
from provisioner.errors import ReconcileError
from provisioner.state.document import PendingCreate, op_pending_drop


async def reconcile_intent(ctx: Context, intent: PendingCreate) -> None:
    """Adopt the room one leftover intent made, or clear the intent."""
    state = ctx.writer.state
    name = intent.name
    candidates = await find_candidates(ctx.client, intent, state.known_room_ids())
    if len(candidates) > 1:
        raise ambiguous(name, candidates)
    if not candidates:
        await ctx.writer.commit([op_pending_drop(name)])
        ctx.ledger.note(f"{name}: an interrupted create made no room")
        return
    found = candidates[0]
    current = state.rooms.get(name)
    prevent = current.prevent_destroy if current is not None else False
    record = record_adopted(intent, found.info, found.summary.created_at, prevent)
    old = still_replaces(state, intent)
    await ctx.writer.commit(store_ops(name, record, old, ctx.on_replace))
    ctx.adopted[name] = record
    ctx.ledger.outcomes[Outcome.ADOPTED] += 1
    ctx.ledger.note(
        f"{name}: adopted {record.room_id}, made by an interrupted create"
        + (f" (old room {old} is now retiring)" if old else "")
    )


async def reconcile_pending(ctx: Context) -> None:
    """Resolve every pending create; ReconcileError lists the ambiguous ones."""
    problems = []
    for intent in sorted(ctx.writer.state.pending.values(), key=lambda i: i.name):
        try:
            await reconcile_intent(ctx, intent)
        except ReconcileError as exc:
            problems.append(str(exc))
    if problems:
        raise ReconcileError("\n".join(problems))
