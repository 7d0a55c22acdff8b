"""Managed users: created or updated before the rooms, deleted after them.

A create answered `user_id_already_exists` adopts the user and updates it to
what the files say. A user removed from the files is only forgotten, unless
`prune_users` planned its deletion; a user still in a room of the state is
never deleted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from provisioner.apply.context import Context
from provisioner.apply.ledger import Outcome
from provisioner.errors import NotFoundError, ValidationError
from provisioner.model import participant_ids
from provisioner.plan import Action, UserChange
from provisioner.state.document import UserRecord, op_user_drop, op_user_put

ALREADY_EXISTS = "user_id_already_exists"


def _record(user_id: str, after: Mapping[str, Any]) -> UserRecord:
    language = after.get("language")
    return UserRecord(
        user_id=user_id,
        role=str(after["role"]),
        can_video=bool(after.get("can_video", True)),
        language=None if language is None else str(language),
    )


async def put_user(ctx: Context, change: UserChange) -> None:
    """Create or update one managed user, then record it."""
    user = _record(change.user_id, change.after or {})
    created = change.action is Action.CREATE
    if created:
        try:
            await ctx.client.create_user(
                user.user_id, user.role, user.can_video, user.language
            )
        except ValidationError as exc:
            if exc.code != ALREADY_EXISTS:
                raise
            created = False
    if not created:
        await ctx.client.update_user(
            user.user_id,
            role=user.role,
            can_video=user.can_video,
            language=user.language,
        )
    await ctx.writer.commit([op_user_put(user)])
    outcome = Outcome.USER_CREATED if created else Outcome.USER_UPDATED
    verb = "created" if created else "updated"
    ctx.ledger.done(subject(user.user_id), outcome, f"{verb} user {user.user_id}")


def subject(user_id: str) -> str:
    """How a user operation is named in progress and in the summary."""
    return f"user {user_id}"


def in_use(ctx: Context, user_id: str) -> str | None:
    """A room of the state that still has `user_id` as a participant."""
    for name, room in sorted(ctx.writer.state.rooms.items()):
        if user_id in participant_ids(room.request):
            return name
    return None


async def drop_user(ctx: Context, change: UserChange) -> None:
    """Delete (prune) or forget one user that the files no longer declare."""
    user_id = change.user_id
    if not change.forget_only:
        room = in_use(ctx, user_id)
        if room is not None:
            ctx.ledger.done(
                subject(user_id),
                Outcome.USER_KEPT,
                f"kept user {user_id}: room {room} still has it as a participant",
            )
            return
        with contextlib.suppress(NotFoundError):
            await ctx.client.delete_user(user_id)
    await ctx.writer.commit([op_user_drop(user_id)])
    if change.forget_only:
        outcome, line = Outcome.USER_FORGOTTEN, f"forgot user {user_id}"
    else:
        outcome, line = Outcome.USER_DELETED, f"deleted user {user_id}"
    ctx.ledger.done(subject(user_id), outcome, line)
