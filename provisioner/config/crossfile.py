"""The rules that span room files, each problem naming every place involved."""

from __future__ import annotations

import datetime
import difflib
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner import rules
from provisioner.config.validation import describe
from provisioner.config.yamlio import Document
from provisioner.config.yamlpath import PathKey
from provisioner.errors import Problem


@dataclass(frozen=True)
class Room:
    """A room as written: its file, and its mapping with defaults merged."""

    name: str
    doc: Document
    merged: dict[str, Any]
    defaulted: frozenset[str]
    valid: bool = True
    """False when the schema rejected part of it: the rules here still look at
    what is well-formed, but no spec is built from it."""

    def field_path(self, key: str) -> PathKey:
        """Where `key`'s value is written: in the room or in the file's defaults."""
        if key in self.defaulted:
            return ("defaults", key)
        return ("rooms", self.name, key)

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        return self.doc.problem(path, message, key=key)


@dataclass(frozen=True)
class User:
    """One declaration under `users:` (value None when the schema rejected it)."""

    user_id: str
    doc: Document
    value: Mapping[str, Any] | None


def where(doc: Document, path: PathKey, *, key: bool = True) -> str:
    """`file:line:col` of a node, to name the other place in a message."""
    spot = doc.spot(path, key=key)
    return f"{doc.display}:{spot.line}:{spot.col}"


def cross_file_problems(
    rooms: Sequence[Room],
    definitions: Mapping[str, list[Document]],
    users: Mapping[str, list[User]],
    external: Mapping[str, list[tuple[Document, int]]],
) -> list[Problem]:
    """Every problem only the whole estate can reveal."""
    problems = _repeated("rooms", "defined", definitions)
    problems += _repeated(
        "users", "declared", {k: [u.doc for u in v] for k, v in users.items()}
    )
    problems += _managed_and_external(users, external)
    problems += _shared_descriptions(rooms)
    roles = {
        user_id: (found[0].value or {}).get("role") for user_id, found in users.items()
    }
    for room in rooms:
        problems += _room_problems(room, roles, external)
    # A value from a file's defaults is checked in every room that takes it:
    # its problem is reported once.
    return list(dict.fromkeys(problems))


def _repeated(
    section: str, verb: str, found: Mapping[str, list[Document]]
) -> list[Problem]:
    problems = []
    for name, docs in found.items():
        for doc in docs if len(docs) > 1 else ():
            others = ", ".join(
                where(other, (section, name)) for other in docs if other is not doc
            )
            problems.append(
                doc.problem((section, name), f"also {verb} at {others}", key=True)
            )
    return problems


def _managed_and_external(
    users: Mapping[str, list[User]],
    external: Mapping[str, list[tuple[Document, int]]],
) -> list[Problem]:
    problems = []
    for user_id in users.keys() & external.keys():
        listed = ", ".join(
            where(doc, ("external_users", i), key=False) for doc, i in external[user_id]
        )
        declared = ", ".join(
            where(user.doc, ("users", user_id)) for user in users[user_id]
        )
        for user in users[user_id]:
            message = f"also listed in external_users at {listed}"
            problems.append(user.doc.problem(("users", user_id), message, key=True))
        for doc, index in external[user_id]:
            message = f"{user_id!r} is also declared in users at {declared}"
            problems.append(doc.problem(("external_users", index), message))
    return problems


def _description(room: Room) -> Any:
    return room.merged.get("description", room.name)


def _shared_descriptions(rooms: Sequence[Room]) -> list[Problem]:
    by_description: dict[str, list[Room]] = defaultdict(list)
    for room in rooms:
        if isinstance(_description(room), str):
            by_description[_description(room)].append(room)
    problems = []
    for sharing in by_description.values():
        for room in sharing if len(sharing) > 1 else ():
            others = [
                f"{other.name!r} ({where(other.doc, ('rooms', other.name))})"
                for other in sharing
                if other is not room
            ]
            named = "room " if len(others) == 1 else "rooms "
            problems.append(_description_problem(room, named + ", ".join(others)))
    return problems


def _description_problem(room: Room, others: str) -> Problem:
    text = describe(_description(room))
    if "description" in room.merged:
        message = f"description {text} is also used by {others}"
        return room.problem(room.field_path("description"), message)
    message = (
        f"description {text} (the room name, as no description is given) "
        f"is also used by {others}"
    )
    return room.problem(("rooms", room.name), message, key=True)


def _participant_ids(room: Room) -> list[str | None]:
    """Each participant's user id, None where the entry is malformed."""
    participants = room.merged.get("participants")
    if not isinstance(participants, list):
        return []
    return [
        entry.get("user_id") if isinstance(entry, dict) else None
        for entry in participants
    ]


def _room_problems(
    room: Room, roles: Mapping[str, Any], external: Mapping[str, Any]
) -> list[Problem]:
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    user_ids = _participant_ids(room)
    for index, user_id in enumerate(user_ids):
        if not isinstance(user_id, str):
            continue
        path = ("rooms", room.name, "participants", index, "user_id")
        if user_id in first_seen:
            earlier = f"participants[{first_seen[user_id]}]"
            message = f"{user_id!r} is already a participant ({earlier})"
            problems.append(room.problem(path, message))
            continue
        first_seen[user_id] = index
        if user_id not in roles and user_id not in external:
            message = _unknown_user(user_id, roles, external)
            problems.append(room.problem(path, message))
    problems += _initiator(room, first_seen)
    if user_ids and all(isinstance(user_id, str) for user_id in user_ids):
        problems += _plus(room, list(first_seen), roles, external)
    problems += _non_json(room)
    return problems


def _unknown_user(
    user_id: str, roles: Mapping[str, Any], external: Mapping[str, Any]
) -> str:
    message = (
        f"unknown user {user_id!r}: declare it under users or list it in external_users"
    )
    close = difflib.get_close_matches(user_id, [*roles, *external], 1)
    return message + (f" (did you mean {close[0]!r}?)" if close else "")


def _initiator(room: Room, participants: Mapping[str, int]) -> list[Problem]:
    alias = room.merged.get("initiator_alias")
    if not isinstance(alias, str) or alias in participants:
        return []
    message = f"{alias!r} is not a participant of room {room.name!r}"
    return [room.problem(room.field_path("initiator_alias"), message)]


def _plus(
    room: Room,
    user_ids: list[str],
    roles: Mapping[str, Any],
    external: Mapping[str, Any],
) -> list[Problem]:
    # An external user's role is unknown offline; plan checks it with the API.
    if any(user_id in external or roles.get(user_id) is None for user_id in user_ids):
        return []
    if any(roles[user_id] == rules.PLUS_ROLE for user_id in user_ids):
        return []
    message = (
        f"a room needs at least one {rules.PLUS_ROLE} participant, "
        f"and none of {', '.join(map(repr, user_ids))} is one"
    )
    return [room.problem(("rooms", room.name, "participants"), message, key=True)]


def _non_json(room: Room) -> list[Problem]:
    if "call_action" not in room.merged:
        return []
    path = room.field_path("call_action")
    return [
        room.problem(inner, f"{describe(value)} cannot be sent to the API; quote it")
        for inner, value in _not_json(room.merged["call_action"], path)
    ]


def _not_json(value: Any, path: PathKey) -> Iterator[tuple[PathKey, Any]]:
    """Values JSON cannot carry: YAML dates and non-finite numbers."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _not_json(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _not_json(item, (*path, index))
    elif isinstance(value, datetime.date) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        yield path, value
