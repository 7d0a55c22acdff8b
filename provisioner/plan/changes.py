"""A plan as data: the ordered changes apply will make, and what they cost people.

Pure: no file, network, clock or environment. `diff.py` builds the changes,
renderers show them, `apply.py` executes them. A plan holds no join URL.

Order (what reviewers need first): rooms are deleted, replaced, created, then
left alone, each group by name; users are deleted, forgotten, updated, created,
then left alone, each group by user id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from provisioner import rules
from provisioner.plan.request import Request

CHECKSUM_DIGITS: Final = 16
OFFLINE_NO_KEY: Final = "no KALEYRA_API_KEY"
OFFLINE_NO_REFRESH: Final = "--no-refresh"
OFFLINE_REASONS: Final = (OFFLINE_NO_KEY, OFFLINE_NO_REFRESH)
"""Why a plan was made without reading the API back (DESIGN, "Refresh")."""
NOT_CHECKED_OFFLINE: Final = (
    "drift",
    "users",
    "plus roles",
    "calls in progress",
    "rooms already on the API",
)
"""What only a refreshed plan checks: an offline plan names these."""


class Action(StrEnum):
    CREATE = "create"
    REPLACE = "replace"
    DELETE = "delete"
    UPDATE = "update"
    NOOP = "no-op"
    # The entries of room files: state only, no API write.
    MOVE = "moved"
    IMPORT = "import"
    FORGET = "forget"


@dataclass(frozen=True)
class FieldChange:
    """One changed field: a dotted path into the request, old and new value.

    A value missing on one side is None. `participants` holds the sorted user
    ids when the set of participants changes.
    """

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RoomChange:
    """What happens to one room.

    `room_id` is the current room (replace, delete, no-op); `request` the desired
    canonical request (create, replace). `links_lost` lists the participants
    whose current link stops working (every participant of a replaced room).
    A delete with `forget_only` drops the room from state without an API call
    (the room is already gone: drift found by refresh).

    The entries of room files: a change whose room is renamed by `moved:` has
    `moved_from` (MOVE alone, or before its replace or re-create); `imported`
    marks an IMPORT, or a replace of a room `import:` adopts first (`room_id`
    is then the imported room). `unchecked` lists what room/info cannot show;
    `offline` an import planned without reading the room (apply verifies it).
    FORGET drops a `removed:` room from the state and leaves it on the API.
    """

    action: Action
    name: str
    room_id: str | None = None
    request: Mapping[str, Any] | None = None
    fingerprint: str | None = None
    prevent_destroy: bool = False
    fields: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()
    links_lost: tuple[str, ...] = ()
    forget_only: bool = False
    moved_from: str | None = None
    imported: bool = False
    unchecked: tuple[str, ...] = ()
    offline: bool = False

    @property
    def destructive(self) -> bool:
        """True when an existing room is replaced or deleted through the API."""
        if self.action is Action.REPLACE:
            return True
        return self.action is Action.DELETE and not self.forget_only

    @property
    def recreated(self) -> bool:
        """A create of a room refresh found gone: its old links are listed."""
        return self.action is Action.CREATE and bool(self.links_lost)


@dataclass(frozen=True)
class UserChange:
    """What happens to one managed user (create, update, delete or forget)."""

    action: Action
    user_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    fields: tuple[FieldChange, ...] = ()
    forget_only: bool = False


@dataclass(frozen=True)
class FlagChange:
    """A state-only update of a room's prevent_destroy flag (no API call)."""

    name: str
    prevent_destroy: bool


@dataclass(frozen=True)
class RetireChange:
    """The old room of an earlier replacement, still to be disabled or deleted."""

    room_id: str
    name: str
    action: str


@dataclass(frozen=True)
class Allowance:
    """A safety refusal an override let through: the flag's Request field name
    (e.g. `allow_deletes`) and what it allowed."""

    name: str
    what: str


@dataclass(frozen=True)
class PlanOptions(Request):
    """The request a plan was made with, and the setting that shaped its users."""

    prune_users: bool = False


@dataclass(frozen=True)
class Summary:
    """How many rooms and users each action touches."""

    create: int
    replace: int
    delete: int
    forget: int
    unchanged: int
    state_only: int
    retire: int
    pending: int
    users_create: int
    users_update: int
    users_delete: int
    users_forget: int
    users_unchanged: int
    moved: int = 0
    imported: int = 0
    removed: int = 0


@dataclass(frozen=True)
class Plan:
    """Everything apply will do, and what it was computed from.

    `retiring` is work an interrupted apply left (old rooms to disable or
    delete); `pending` names rooms whose create was interrupted, which apply
    reconciles before anything else. `refreshed`, `offline_reason` and
    `allowed` say what the plan was checked against, so renderers need
    nothing else.
    """

    rooms: tuple[RoomChange, ...]
    users: tuple[UserChange, ...] = ()
    flags: tuple[FlagChange, ...] = ()
    lineage: str | None = None
    serial: int = 0
    inputs: str = ""
    on_replace: str = rules.DEFAULT_ON_REPLACE
    warnings: tuple[str, ...] = field(default=(), compare=False)
    retiring: tuple[RetireChange, ...] = ()
    pending: tuple[str, ...] = ()
    options: PlanOptions = field(default_factory=lambda: PlanOptions())
    """What the plan was asked for; a saved plan keeps it."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """Worth knowing, changing nothing: entries with no effect left, hints."""
    refreshed: bool = True
    """Whether managed rooms and users were read back from the API first."""
    offline_reason: str = ""
    """Why not, when not refreshed: one of OFFLINE_REASONS."""
    allowed: tuple[Allowance, ...] = ()
    """Safety refusals that an --allow-* flag or --force let through."""

    def room_changes(self) -> tuple[RoomChange, ...]:
        """Room changes that do something (no-ops left out)."""
        return tuple(c for c in self.rooms if c.action is not Action.NOOP)

    def user_changes(self) -> tuple[UserChange, ...]:
        return tuple(c for c in self.users if c.action is not Action.NOOP)

    @property
    def has_changes(self) -> bool:
        """True when apply would call the API or write the state."""
        return bool(
            self.room_changes()
            or self.user_changes()
            or self.flags
            or self.retiring
            or self.pending
        )

    @property
    def checksum(self) -> str:
        """16 hex digits naming exactly what apply would do (not how it was shown).

        A reviewer's plan and the plan made at merge have the same checksum
        exactly when they make the same changes: `apply --expect-checksum`.
        """
        return changes_checksum(self)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.rooms if c.action is action)

    def summary(self) -> Summary:
        """Counts per action; forget-only deletes are counted apart from deletes."""
        rooms = _tally((c.action, c.forget_only) for c in self.rooms)
        users = _tally((c.action, c.forget_only) for c in self.users)
        return Summary(
            create=rooms[Action.CREATE, False],
            replace=rooms[Action.REPLACE, False],
            delete=rooms[Action.DELETE, False],
            forget=rooms[Action.DELETE, True],
            unchanged=rooms[Action.NOOP, False],
            state_only=len(self.flags),
            retire=len(self.retiring),
            pending=len(self.pending),
            users_create=users[Action.CREATE, False],
            users_update=users[Action.UPDATE, False],
            users_delete=users[Action.DELETE, False],
            users_forget=users[Action.DELETE, True],
            users_unchanged=users[Action.NOOP, False],
            moved=rooms[Action.MOVE, False],
            imported=rooms[Action.IMPORT, False],
            removed=rooms[Action.FORGET, False],
        )


def changes_checksum(plan: Plan) -> str:
    """The checksum of the plan's changes; warnings and no-ops do not count."""
    document = {
        "on_replace": plan.on_replace,
        "rooms": [
            [c.action, c.name, c.room_id, c.fingerprint, c.forget_only]
            for c in plan.room_changes()
        ],
        "users": [
            [c.action, c.user_id, [[f.path, f.after] for f in c.fields], c.forget_only]
            for c in plan.user_changes()
        ],
        "flags": [[f.name, f.prevent_destroy] for f in plan.flags],
        "retiring": [[r.room_id, r.action] for r in plan.retiring],
        "pending": list(plan.pending),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:CHECKSUM_DIGITS]


def _tally(keys: Any) -> dict[tuple[Action, bool], int]:
    counts: dict[tuple[Action, bool], int] = {
        (action, forget): 0 for action in Action for forget in (False, True)
    }
    for key in keys:
        counts[key] += 1
    return counts
