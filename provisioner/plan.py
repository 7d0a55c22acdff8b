"""A plan as data: the ordered changes apply will make, and what they cost people.

Pure: no file, network, clock or environment. `diff.py` builds the changes,
renderers show them, `apply.py` executes them. A plan holds no join URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    CREATE = "create"
    REPLACE = "replace"
    DELETE = "delete"
    UPDATE = "update"
    NOOP = "no-op"


@dataclass(frozen=True)
class FieldChange:
    """One changed field: a dotted path into the request, old and new value."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RoomChange:
    """What happens to one room.

    `room_id` is the current room (replace, delete, no-op); `request` the desired
    canonical request (create, replace). `links_lost` lists the participants
    whose current link stops working (every participant of a replaced room).
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
class Plan:
    """Everything apply will do, and what it was computed from."""

    rooms: tuple[RoomChange, ...]
    users: tuple[UserChange, ...] = ()
    flags: tuple[FlagChange, ...] = ()
    lineage: str | None = None
    serial: int = 0
    inputs: str = ""
    on_replace: str = "disable"
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def room_changes(self) -> tuple[RoomChange, ...]:
        """Room changes that do something (no-ops left out)."""
        return tuple(c for c in self.rooms if c.action is not Action.NOOP)

    def user_changes(self) -> tuple[UserChange, ...]:
        return tuple(c for c in self.users if c.action is not Action.NOOP)

    @property
    def has_changes(self) -> bool:
        """True when apply would call the API or write the state."""
        return bool(self.room_changes() or self.user_changes() or self.flags)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.rooms if c.action is action)
