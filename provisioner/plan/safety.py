"""Safety rules a plan must pass before anyone may apply it.

Pure. Checked at plan time, so an unsafe change fails the pull request rather
than the apply: prevent_destroy, the max_delete_percent threshold (when the
state holds at least 4 rooms, or users for pruned users), and rooms whose call
is in progress (RUNNING, found by refresh). Every refusal names the rooms and
the numbers, and the flag that overrides it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from provisioner import rules
from provisioner.errors import UnsafePlanError
from provisioner.plan.changes import Action, Plan, RoomChange
from provisioner.plan.request import Request
from provisioner.state.document import State

MIN_MANAGED: Final = rules.MIN_MANAGED_FOR_LIMITS
"""The delete threshold applies only when the state holds at least this many."""
SHOWN_NAMES: Final = 20


@dataclass(frozen=True)
class Policy(Request):
    """The request's overrides, with the thresholds from provisioner.yaml.

    `running` names the rooms refresh found with a call in progress.
    """

    max_delete_percent: int = rules.DEFAULT_MAX_DELETE_PERCENT
    running: frozenset[str] = frozenset()


def check_safety(plan: Plan, state: State, policy: Policy) -> None:
    """Raise UnsafePlanError listing every rule the plan breaks."""
    refusals = [
        *_protected(plan, state, policy),
        *running_refusals(plan.rooms, policy.running, force=policy.force),
        *_threshold(plan, state, policy),
    ]
    if refusals:
        raise UnsafePlanError("\n".join(refusals))


def running_refusals(
    changes: Iterable[RoomChange], running: Collection[str], *, force: bool
) -> list[str]:
    """Replaces and deletes of rooms with a call in progress (apply re-checks)."""
    busy = [c.name for c in changes if c.destructive and c.name in running]
    if force or not busy:
        return []
    return [
        f"refusing to replace or delete {_rooms(len(busy))} with a call in "
        f"progress (RUNNING): {names(busy)}; wait for the call to end or pass "
        "--force"
    ]


def _protected(plan: Plan, state: State, policy: Policy) -> list[str]:
    """prevent_destroy from the files or, as recorded at the last apply, the state.

    The recorded flag counts even for a room still in the files: removing the
    flag and changing the room in one pull request still needs --allow-replace.
    """
    recorded = {n for n, r in state.rooms.items() if r.prevent_destroy}
    refusals = []
    for action, allowed, flag in (
        (Action.DELETE, policy.allow_deletes, "--allow-deletes"),
        (Action.REPLACE, policy.allow_replace, "--allow-replace"),
    ):
        hit = [
            c.name
            for c in plan.rooms
            if c.action is action
            and c.destructive
            and (c.prevent_destroy or c.name in recorded)
        ]
        if hit and not allowed:
            refusals.append(
                f"refusing to {action} {_rooms(len(hit))} protected by "
                f"prevent_destroy: {names(hit)}; pass {flag}"
            )
    return refusals


def _threshold(plan: Plan, state: State, policy: Policy) -> list[str]:
    if policy.allow_deletes:
        return []
    rooms = [c.name for c in plan.rooms if c.action is Action.DELETE and c.destructive]
    users = [
        c.user_id for c in plan.users if c.action is Action.DELETE and not c.forget_only
    ]
    limit = policy.max_delete_percent
    found = [
        _over_limit("rooms", rooms, len(state.rooms), limit),
        _over_limit("users", users, len(state.users), limit),
    ]
    return [message for message in found if message]


def _over_limit(kind: str, deleted: Sequence[str], managed: int, limit: int) -> str:
    if managed < MIN_MANAGED or len(deleted) * 100 <= limit * managed:
        return ""
    share = len(deleted) * 100 // managed
    return (
        f"refusing to delete {len(deleted)} of {managed} managed {kind} "
        f"({share}%, limit {limit}%): {names(deleted)}; pass --allow-deletes"
    )


def names(items: Sequence[str]) -> str:
    """A comma-separated list, cut after SHOWN_NAMES items."""
    shown = ", ".join(items[:SHOWN_NAMES])
    rest = len(items) - SHOWN_NAMES
    return f"{shown} and {rest} more" if rest > 0 else shown


def _rooms(count: int) -> str:
    return f"{count} room" if count == 1 else f"{count} rooms"
