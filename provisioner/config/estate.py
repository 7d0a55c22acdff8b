"""Room files -> rooms and users: each file alone, then the rules across files.

The schema judges one file at a time. The rules here need the whole estate:
room names, user declarations and descriptions unique across files, every
participant a known user, a plus participant, the initiator among the
participants. Rooms or users the schema already rejected are left out of
these rules (their problem is reported once, by the schema).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from provisioner import rules
from provisioner.config.crossfile import Room, User, cross_file_problems
from provisioner.config.entries import RawEntry, entry_problems, resolved
from provisioner.config.validation import Finding, SchemaCheck, unshadowed
from provisioner.config.yamlio import Document
from provisioner.config.yamlpath import PathKey
from provisioner.errors import Problem
from provisioner.model import (
    Entries,
    Location,
    RoomSpec,
    UserSpec,
    room_spec,
    user_spec,
)

ALL = "*"
"""Marks a whole section as broken (its container failed the schema)."""


@dataclass
class Collection:
    """Everything the files declare, before the cross-file rules."""

    rooms: list[Room] = field(default_factory=list)
    definitions: dict[str, list[Document]] = field(
        default_factory=lambda: defaultdict(list)
    )
    users: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    external: dict[str, list[tuple[Document, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    problems: list[Problem] = field(default_factory=list)
    entries: list[RawEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Built:
    """Specs of every valid room and user, and every problem found."""

    rooms: dict[str, RoomSpec]
    users: dict[str, UserSpec]
    external_users: frozenset[str]
    problems: list[Problem]
    entries: Entries = field(default_factory=Entries)


def build(docs: Iterable[Document], check: SchemaCheck) -> Built:
    """Check every document, apply the cross-file rules, and build the specs."""
    found = Collection()
    for doc in docs:
        _collect(doc, check, found)
    across = cross_file_problems(
        found.rooms, found.definitions, found.users, found.external
    )
    across += entry_problems(found.entries, found.definitions)
    problems = found.problems + unshadowed(found.problems, across)
    return Built(
        rooms=_room_specs(found),
        users=_user_specs(found),
        external_users=frozenset(found.external),
        problems=problems,
        entries=resolved(found.entries),
    )


def _collect(doc: Document, check: SchemaCheck, found: Collection) -> None:
    found.problems.extend(doc.problems)
    if doc.value is None:
        return  # an empty file declares nothing; a broken one is reported above
    findings = check.findings(doc)
    found.problems.extend(unshadowed(doc.problems, [f.problem for f in findings]))
    if not isinstance(doc.value, dict):
        return
    broken = _broken(findings)
    _collect_rooms(doc, broken, found)
    _collect_users(doc, broken, found)
    _collect_entries(doc, broken, found)


def _broken(findings: list[Finding]) -> dict[str, set[str]]:
    """Per section, the names the schema rejected (ALL for the whole section)."""
    broken: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        path: PathKey = finding.path
        if not path:
            continue
        name = str(path[1]) if len(path) > 1 else ALL
        broken[str(path[0])].add(name)
    return broken


def _collect_rooms(
    doc: Document, broken: dict[str, set[str]], found: Collection
) -> None:
    rooms = doc.value.get("rooms")
    if not isinstance(rooms, dict):
        return
    defaults = doc.value.get("defaults")
    # Participants never come from defaults (the schema says so, loudly).
    defaults = {
        key: value
        for key, value in (defaults if isinstance(defaults, dict) else {}).items()
        if key != "participants"
    }
    for name, room in rooms.items():
        found.definitions[name].append(doc)
        if len(found.definitions[name]) > 1 or not isinstance(room, dict):
            continue
        valid = not broken["defaults"] and name not in broken["rooms"]
        defaulted = frozenset(key for key in defaults if key not in room)
        merged = {**defaults, **room}
        found.rooms.append(Room(name, doc, merged, defaulted, valid))


def _collect_users(
    doc: Document, broken: dict[str, set[str]], found: Collection
) -> None:
    users = doc.value.get("users")
    if isinstance(users, dict):
        for user_id, user in users.items():
            valid = ALL not in broken["users"] and user_id not in broken["users"]
            found.users[user_id].append(User(user_id, doc, user if valid else None))
    external = doc.value.get("external_users")
    if isinstance(external, list) and ALL not in broken["external_users"]:
        for index, user_id in enumerate(external):
            if str(index) not in broken["external_users"]:
                found.external[user_id].append((doc, index))


def _collect_entries(
    doc: Document, broken: dict[str, set[str]], found: Collection
) -> None:
    """Entries the schema accepted (each a mapping of its required keys)."""
    for section in rules.ENTRY_SECTIONS:
        listed = doc.value.get(section.name)
        if not isinstance(listed, list) or ALL in broken[section.name]:
            continue
        found.entries.extend(
            RawEntry(section.name, doc, index, values)
            for index, values in enumerate(listed)
            if str(index) not in broken[section.name]
        )


def _location(doc: Document, path: PathKey) -> Location:
    spot = doc.spot(path, key=True)
    return Location(doc.display, spot.line, spot.col)


def _room_specs(found: Collection) -> dict[str, RoomSpec]:
    return {
        room.name: room_spec(
            room.name, room.merged, _location(room.doc, ("rooms", room.name))
        )
        for room in found.rooms
        if room.valid
    }


def _user_specs(found: Collection) -> dict[str, UserSpec]:
    specs: dict[str, UserSpec] = {}
    for user_id, definitions in found.users.items():
        first = definitions[0]
        if first.value is not None:
            location = _location(first.doc, ("users", user_id))
            specs[user_id] = user_spec(user_id, first.value, location)
    return specs
