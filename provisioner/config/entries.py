"""The moved, import and removed entries, checked against the whole estate.

An entry changes the state, so a mistake in one is caught before any plan:
a `moved:` whose `from` is still defined (both names would want a room) or
whose `to` is not (the room would be deleted next), a cycle of renames, a
`removed:` name still defined (removed would contradict the definition), an
`import:` for a name no file defines, and two entries that claim the same name
or room id. Chains resolve: with a -> b and b -> c, the room of a or b ends
as c. Every problem names every place involved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.config.crossfile import where
from provisioner.config.yamlio import Document
from provisioner.config.yamlpath import PathKey
from provisioner.errors import Problem
from provisioner.model import (
    Entries,
    ImportEntry,
    Location,
    MovedEntry,
    RemovedEntry,
)

# Which keys claim a name (or a room id) for themselves: two entries may not
# hold the same one. A name receives a room (moved.to, import.to) or gives its
# room up (moved.from, removed.name); a room id is adopted once.
_CLAIMS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("is the new name of", (("moved", "to"), ("import", "to"))),
    ("is moved away or removed by", (("moved", "from"), ("removed", "name"))),
    ("is imported by", (("import", "id"),)),
)


@dataclass(frozen=True)
class RawEntry:
    """One entry as written: its section, file and position in the list."""

    section: str
    doc: Document
    index: int
    values: Mapping[str, Any]

    def path(self, key: str | None = None) -> PathKey:
        return (self.section, self.index) if key is None else (*self.path(), key)

    def where(self, key: str | None = None) -> str:
        return where(self.doc, self.path(key), key=False)

    def problem(self, key: str | None, message: str) -> Problem:
        return self.doc.problem(self.path(key), message)

    def location(self) -> Location:
        spot = self.doc.spot(self.path())
        return Location(self.doc.display, spot.line, spot.col)


def entry_problems(
    entries: Sequence[RawEntry], definitions: Mapping[str, list[Document]]
) -> list[Problem]:
    """Every problem of the entries, against the rooms the files define."""
    problems = _claimed_twice(entries)
    moves = _moves(entries)
    problems += _cycles(moves)
    for entry in entries:
        problems += _against_files(entry, definitions, moves)
    return problems


def _claimed_twice(entries: Sequence[RawEntry]) -> list[Problem]:
    problems = []
    for verb, keys in _CLAIMS:
        claims: dict[str, list[tuple[RawEntry, str]]] = defaultdict(list)
        for entry in entries:
            for section, key in keys:
                if entry.section == section:
                    claims[str(entry.values[key])].append((entry, key))
        for value, holders in claims.items():
            for entry, key in holders if len(holders) > 1 else ():
                others = ", ".join(
                    f"{other.section}[{other.index}].{k} at {other.where(k)}"
                    for other, k in holders
                    if other is not entry or k != key
                )
                message = f"{value!r} {verb} more than one entry (also {others})"
                problems.append(entry.problem(key, message))
    return problems


def _moves(entries: Sequence[RawEntry]) -> dict[str, RawEntry]:
    """The moved entries by their `from` (the first, when one is repeated)."""
    moves: dict[str, RawEntry] = {}
    for entry in entries:
        if entry.section == "moved":
            moves.setdefault(str(entry.values["from"]), entry)
    return moves


def _cycles(moves: Mapping[str, RawEntry]) -> list[Problem]:
    problems = []
    for start, entry in moves.items():
        trail = list(_chain(start, moves))
        if trail[-1] == start and len(trail) > 1:
            loop = " -> ".join(trail)
            problems.append(
                entry.problem(
                    None, f"the renames form a cycle: {loop}; no room is moved"
                )
            )
    return problems


def _chain(start: str, moves: Mapping[str, RawEntry]) -> Iterator[str]:
    """The names a room goes through from `start`, ending where the chain does
    (or back at `start`, or at the first name seen twice, for a cycle)."""
    seen = {start}
    name = start
    yield name
    while name in moves:
        name = str(moves[name].values["to"])
        yield name
        if name in seen:
            return
        seen.add(name)


def _against_files(
    entry: RawEntry,
    definitions: Mapping[str, list[Document]],
    moves: Mapping[str, RawEntry],
) -> list[Problem]:
    def defined_at(name: str) -> str:
        return where(definitions[name][0], ("rooms", name))

    values = {key: str(value) for key, value in entry.values.items()}
    problems = []
    for key, name in values.items():
        if key in ("from", "name") and name in definitions:
            message = (
                f"{name!r} is still defined at {defined_at(name)}; "
                f"{_gone_reason(entry.section)}"
            )
            problems.append(entry.problem(key, message))
        elif key == "to" and name not in definitions and name not in moves:
            message = (
                f"{name!r} is not defined in any room file; "
                f"{_target_reason(entry.section)}"
            )
            problems.append(entry.problem(key, message))
    return problems


def _gone_reason(section: str) -> str:
    if section == "moved":
        return "a moved room's old name must be gone from the files"
    return "removed: forgets a room whose definition is gone (delete one or the other)"


def _target_reason(section: str) -> str:
    if section == "moved":
        return "the moved room needs its definition under its new name"
    return "an imported room needs its definition, as it is on the API"


def resolved(entries: Sequence[RawEntry]) -> Entries:
    """The entries as the plan takes them; chains followed to their end."""
    moves = _moves(entries)
    moved = []
    for source, entry in moves.items():
        trail = list(_chain(source, moves))
        if trail[-1] in trail[:-1]:
            continue  # a cycle: reported, nothing moves
        moved.append(
            MovedEntry(source, str(entry.values["to"]), trail[-1], entry.location())
        )
    return Entries(
        moved=tuple(moved),
        imports=tuple(
            ImportEntry(str(e.values["to"]), str(e.values["id"]), e.location())
            for e in entries
            if e.section == "import"
        ),
        removed=tuple(
            RemovedEntry(str(e.values["name"]), e.location())
            for e in entries
            if e.section == "removed"
        ),
    )
