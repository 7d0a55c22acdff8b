"""Desired rooms and users, their canonical API request and its fingerprint.

The canonical request is what replace detection compares: file defaults merged,
API defaults filled in, every participant's tools resolved to the full form,
participants sorted by user_id, keys sorted. Two files that mean the same room
give the same request, whatever their key order or spelled-out defaults.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner import rules
from provisioner.errors import Problem


@dataclass(frozen=True, order=True)
class Location:
    """Where a YAML node starts (1-based line and column)."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class RoomSpec:
    """A room as the files want it."""

    name: str
    request: Mapping[str, Any]
    prevent_destroy: bool = False
    location: Location | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.request)

    @property
    def description(self) -> str:
        return str(self.request["description"])

    @property
    def participants(self) -> tuple[str, ...]:
        return participant_ids(self.request)


def participant_ids(request: Mapping[str, Any]) -> tuple[str, ...]:
    """The user ids of a room request's participants, in the request's order.

    The one reader of `participants[].user_id` in a request (desired, recorded
    or read back): nothing else digs it out of the raw mapping.
    """
    people = request.get("participants") or ()
    return tuple(str(p["user_id"]) for p in people if isinstance(p, Mapping))


@dataclass(frozen=True)
class UserSpec:
    """A user this repository manages."""

    user_id: str
    role: str
    can_video: bool = True
    language: str | None = None
    location: Location | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The user's managed attributes, as recorded in state."""
        return {
            "user_id": self.user_id,
            "role": self.role,
            "can_video": self.can_video,
            "language": self.language,
        }


def resolve_whiteboard(value: Any) -> dict[str, bool]:
    """A whiteboard setting (bool or sub-tool object) in its full form."""
    if isinstance(value, bool):
        return dict.fromkeys(rules.WHITEBOARD_TOOLS, value)
    given = value if isinstance(value, Mapping) else {}
    return {tool: bool(given.get(tool, False)) for tool in rules.WHITEBOARD_TOOLS}


def resolve_tools(tools: Mapping[str, Any] | None) -> dict[str, Any]:
    """A participant's tools in full: missing means all on, given means only those."""
    if tools is None:
        resolved: dict[str, Any] = dict.fromkeys(rules.TOOLS, True)
        resolved[rules.WHITEBOARD] = resolve_whiteboard(True)
        return resolved
    resolved = {tool: bool(tools.get(tool, False)) for tool in rules.TOOLS}
    resolved[rules.WHITEBOARD] = resolve_whiteboard(tools.get(rules.WHITEBOARD, False))
    return dict(sorted(resolved.items()))


def canonical_participant(participant: Mapping[str, Any]) -> dict[str, Any]:
    """One participant with defaults filled in and tools resolved."""
    result: dict[str, Any] = {}
    for spec in rules.PARTICIPANT_FIELDS:
        if spec.name in participant:
            result[spec.name] = participant[spec.name]
        elif spec.default is not rules.UNSET:
            result[spec.name] = spec.default
    result["tools"] = resolve_tools(participant.get("tools"))
    return dict(sorted(result.items()))


def canonical_request(name: str, room: Mapping[str, Any]) -> dict[str, Any]:
    """The Create Room body for a merged room mapping, in canonical form.

    `room` holds YAML keys (file defaults already merged in); the result holds
    the API's keys, ready to send.
    """
    request: dict[str, Any] = {}
    for spec in rules.ROOM_FIELDS:
        if spec.name in room:
            request[spec.sent_as] = _typed(spec, room[spec.name])
        elif spec.default is not rules.UNSET:
            request[spec.sent_as] = spec.default
    request.setdefault("description", name)
    participants = [canonical_participant(p) for p in room["participants"]]
    request["participants"] = sorted(participants, key=lambda p: str(p["user_id"]))
    return dict(sorted(request.items()))


def _typed(spec: rules.Field, value: Any) -> Any:
    # JSON Schema counts 3600.0 as an integer; the API wants 3600.
    if spec.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def fingerprint(request: Mapping[str, Any]) -> str:
    """A stable digest of a canonical request."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def room_spec(
    name: str, room: Mapping[str, Any], location: Location | None = None
) -> RoomSpec:
    """Build a RoomSpec from a schema-valid, defaults-merged room mapping."""
    return RoomSpec(
        name=name,
        request=canonical_request(name, room),
        prevent_destroy=bool(room.get("prevent_destroy", False)),
        location=location,
    )


def user_spec(
    user_id: str, user: Mapping[str, Any], location: Location | None = None
) -> UserSpec:
    """Build a UserSpec from a schema-valid user mapping, API defaults filled in."""
    values = {
        spec.name: user.get(spec.name, spec.default) for spec in rules.USER_FIELDS
    }
    language = values["language"]
    return UserSpec(
        user_id=user_id,
        role=str(values["role"]),
        can_video=bool(values["can_video"]),
        language=None if language is rules.UNSET else str(language),
        location=location,
    )


@dataclass(frozen=True)
class MovedEntry:
    """`moved: {from, to}`: the room of `source` in the state is now `target`.

    `final` is where a chain (a -> b, b -> c) ends: the name the room gets.
    """

    source: str
    target: str
    final: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ImportEntry:
    """`import: {to, id}`: adopt the API's room `room_id` as `name`."""

    name: str
    room_id: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RemovedEntry:
    """`removed: {name}`: forget the room, leave it on the API."""

    name: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Entries:
    """Every valid moved, import and removed entry of the room files."""

    moved: tuple[MovedEntry, ...] = ()
    imports: tuple[ImportEntry, ...] = ()
    removed: tuple[RemovedEntry, ...] = ()


@dataclass(frozen=True)
class Settings:
    """provisioner.yaml with every default filled in; paths resolved from `root`."""

    root: Path
    rooms_dir: Path
    state: str
    api_environment: str = "sandbox"
    api_region: str = "eu"
    api_url: str | None = None
    api_retry_budget_seconds: int = rules.DEFAULT_RETRY_BUDGET_SECONDS
    on_replace: str = rules.DEFAULT_ON_REPLACE
    max_delete_percent: int = rules.DEFAULT_MAX_DELETE_PERCENT
    max_replace_percent: int = rules.DEFAULT_MAX_REPLACE_PERCENT
    max_drift_percent: int = rules.DEFAULT_MAX_DRIFT_PERCENT
    prune_users: bool = False
    state_history_keep: int = 100
    lock_lease_seconds: int = 60
    file: Path | None = None
    """The settings file read, when there is one."""


@dataclass(frozen=True)
class Estate:
    """Every room and user the files declare, and every problem found."""

    rooms: dict[str, RoomSpec] = field(default_factory=dict)
    users: dict[str, UserSpec] = field(default_factory=dict)
    external_users: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    files: tuple[Path, ...] = ()
    warnings: tuple[Problem, ...] = ()
    """Worth saying, not worth failing for (e.g. the state file is tracked by git)."""
    entries: Entries = field(default_factory=Entries)
    """The moved, import and removed entries (only valid ones)."""
