"""PURE: the moved, import and removed entries of room files against the state.

`resolve` builds a view of the state as if the entries were applied: moved
rooms under their new names, imports that were read back as records. The
diff compares that view with the files as usual, and `Resolved.mark` turns
its changes into what the entries do: a no-op of a moved room is a MOVE, of
an imported room an IMPORT; a delete of a removed room is a FORGET; anything
else keeps its action and says which entry it follows. An entry whose change
is already in the state has no effect left: a note says it can be deleted
(it stays harmless for a state that has not seen it yet).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from provisioner.errors import ProvisionerError
from provisioner.model import (
    Entries,
    ImportEntry,
    Location,
    MovedEntry,
    RoomSpec,
    fingerprint,
)
from provisioner.plan.changes import Action, RoomChange
from provisioner.plan.importing import ReadBack, imported_request, unchecked
from provisioner.state.document import RoomRecord, State

MOVED = "moved from {old}: the same room, with the same links"
IMPORTED = "import room {room_id}: read back, it matches the files"
IMPORTED_OFFLINE = (
    "import room {room_id}: planned without reading it (no API key); apply "
    "reads it back and refuses it if it differs from the files"
)
IMPORT_REPLACED = (
    "import room {room_id}, then replace it: the room on the API differs from the files"
)
DESCRIBED = (
    "its description was its old name: keep `description: {old}` in its "
    "definition to move it without a replace"
)
FORGOTTEN = "removed: dropped from the state; the room stays on the API, links working"


@dataclass(frozen=True)
class Resolved:
    """The state with the entries applied, and what each name owes to an entry."""

    state: State
    moved: Mapping[str, str] = field(default_factory=dict)  # new name -> old
    imports: Mapping[str, ImportEntry] = field(default_factory=dict)
    read: Mapping[str, ReadBack] = field(default_factory=dict)
    removed: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    wanted: Mapping[str, RoomSpec] = field(default_factory=dict)
    """The definitions of the imported rooms (what apply records)."""

    def drift(self, found: Mapping[str, str]) -> dict[str, str]:
        """Refresh's findings (by state name) under the names of the view."""
        new = {old: new for new, old in self.moved.items()}
        return {new.get(name, name): why for name, why in found.items()}

    def mark(self, change: RoomChange) -> RoomChange:
        """The diff's change of one name, as the entries make it."""
        name = change.name
        if name in self.moved:
            return _moved(change, self.moved[name])
        if name in self.imports and name in self.wanted:
            change = dataclasses.replace(
                change,
                request=self.wanted[name].request,
                fingerprint=self.wanted[name].fingerprint,
            )
            return _imported(change, self.imports[name], self.read.get(name))
        if name in self.removed and change.action is Action.DELETE:
            return RoomChange(
                Action.FORGET,
                name,
                room_id=change.room_id,
                fingerprint=change.fingerprint,
                prevent_destroy=change.prevent_destroy,
                reasons=(FORGOTTEN,),
            )
        return change


def resolve(
    entries: Entries,
    state: State,
    rooms: Mapping[str, RoomSpec],
    read: Mapping[str, ReadBack] | None = None,
) -> Resolved:
    """The view of `state` with `entries` applied; ProvisionerError on a conflict.

    `read` holds the imports read back (None: planned offline).
    """
    if entries == Entries():
        return Resolved(state)
    notes: list[str] = []
    moved = _moves(entries, state, notes)
    gone = set(moved.values())
    view = {name: r for name, r in state.rooms.items() if name not in gone}
    view.update({new: state.rooms[old] for new, old in moved.items()})
    imports = _imports(entries, state, notes)
    read = read or {}
    checked = {n: _checked(read[n], rooms.get(n)) for n in imports if n in read}
    view.update(checked)
    removed = frozenset(r.name for r in entries.removed if r.name in state.rooms)
    notes += [
        _note(r.location, f"removed {r.name}: nothing to forget (not in the state)")
        for r in entries.removed
        if r.name not in state.rooms
    ]
    return Resolved(
        dataclasses.replace(state, rooms=view),
        moved,
        imports,
        {n: read[n] for n in checked},
        removed,
        tuple(notes),
        {n: rooms[n] for n in imports if n in rooms},
    )


def _at(location: Location | None) -> str:
    return f"{location}: " if location else ""


def _note(location: Location | None, text: str) -> str:
    return f"{_at(location)}{text}; the entry can be deleted"


def _moves(entries: Entries, state: State, notes: list[str]) -> dict[str, str]:
    moved: dict[str, str] = {}
    for entry in entries.moved:
        old, new = entry.source, entry.final
        if old not in state.rooms:
            continue
        what = f"{_at(entry.location)}moved {old} -> {entry.target}"
        if new in state.rooms:
            held = state.rooms[new].room_id
            raise ProvisionerError(
                f"{what}: {new} is in the state as well (room {held}); keep one: "
                f"`provisioner state rm {old}` or `provisioner state rm {new}`"
            )
        if new in moved:
            raise ProvisionerError(
                f"{what}: {moved[new]} is in the state too and would also become {new}"
            )
        if old in state.pending:
            raise ProvisionerError(
                f"{what}: {old} has an interrupted create; apply without this first"
            )
        moved[new] = old
    notes += [_stale_move(e, state) for e in entries.moved if _stale(e, state, moved)]
    return moved


def _stale(entry: MovedEntry, state: State, moved: Mapping[str, str]) -> bool:
    """An entry with nothing to do here (a link of a chain in use is not)."""
    return entry.source not in state.rooms and entry.final not in moved


def _stale_move(entry: MovedEntry, state: State) -> str:
    what = f"moved {entry.source} -> {entry.target}"
    if entry.final in state.rooms:
        return _note(entry.location, f"{what}: done ({entry.final} is in the state)")
    text = f"{what}: nothing to move (neither name is in the state)"
    return _note(entry.location, text)


def _imports(
    entries: Entries, state: State, notes: list[str]
) -> dict[str, ImportEntry]:
    owners = {r.room_id: name for name, r in state.rooms.items()}
    found: dict[str, ImportEntry] = {}
    for entry in entries.imports:
        what = f"{_at(entry.location)}import {entry.room_id} as {entry.name}"
        held = state.rooms.get(entry.name)
        if held is not None and held.room_id == entry.room_id:
            notes.append(_note(None, f"{what}: done"))
            continue
        if held is not None:
            # Imported and replaced since, or managed before: nothing to take.
            text = f"{what}: nothing to import ({entry.name} is room {held.room_id})"
            notes.append(_note(None, text))
            continue
        owner = owners.get(entry.room_id)
        if owner is not None:
            raise ProvisionerError(
                f"{what}: the room is already in the state as {owner}; to rename "
                f"it, use moved: [{{from: {owner}, to: {entry.name}}}]"
            )
        if entry.room_id in state.retiring:
            raise ProvisionerError(f"{what}: the room is in the state, retiring")
        found[entry.name] = entry
    return found


def _checked(read: ReadBack, spec: RoomSpec | None) -> RoomRecord:
    """The record an import would have, from what room/info showed."""
    if read.refusal is not None:
        raise ProvisionerError(f"cannot import {read.room_id}: {read.refusal}")
    request, _ = imported_request(read.shown, read.users, spec)
    return RoomRecord(read.room_id, request, fingerprint(request), {}, "")


def _moved(change: RoomChange, old: str) -> RoomChange:
    if change.action is Action.NOOP:
        reasons = (MOVED.format(old=old), *change.reasons)
        return dataclasses.replace(
            change, action=Action.MOVE, moved_from=old, reasons=reasons
        )
    hint: tuple[str, ...] = ()
    if any(f.path == "description" and f.before == old for f in change.fields):
        hint = (DESCRIBED.format(old=old),)
    reasons = (f"moved from {old}", *hint, *change.reasons)
    return dataclasses.replace(change, moved_from=old, reasons=reasons)


def _imported(
    change: RoomChange, entry: ImportEntry, read: ReadBack | None
) -> RoomChange:
    ids = {"room_id": entry.room_id}
    if read is None:  # not read: the diff planned a create
        return dataclasses.replace(
            change,
            action=Action.IMPORT,
            room_id=entry.room_id,
            imported=True,
            offline=True,
            unchecked=unchecked(None),
            reasons=(IMPORTED_OFFLINE.format(**ids),),
        )
    if change.action is Action.NOOP:
        return dataclasses.replace(
            change,
            action=Action.IMPORT,
            imported=True,
            unchecked=unchecked(read.shown),
            reasons=(IMPORTED.format(**ids), *change.reasons),
        )
    return dataclasses.replace(
        change,
        imported=True,
        unchecked=unchecked(read.shown),
        reasons=(IMPORT_REPLACED.format(**ids), *change.reasons),
    )


def renamed(changes: Iterable[RoomChange], names: Collection[str]) -> frozenset[str]:
    """`names` from the state (e.g. RUNNING rooms) under the names the plan moves
    them to, so that the checks by name still find them."""
    new = {c.moved_from: c.name for c in changes if c.moved_from is not None}
    return frozenset(new.get(name, name) for name in names)


def rename_hints(changes: Iterable[RoomChange], state: State) -> list[str]:
    """A delete and a create of the same room under another name: moved: would do."""
    deleted: dict[str, list[str]] = {}
    for c in changes:
        if c.action is Action.DELETE and not c.forget_only and c.name in state.rooms:
            deleted.setdefault(_settings(state.rooms[c.name].request), []).append(
                c.name
            )
    hints = []
    for c in changes:
        if c.action is Action.CREATE and c.request is not None and not c.moved_from:
            for old in deleted.get(_settings(c.request), ()):
                hints.append(
                    f"{c.name} has the same participants and settings as {old}, "
                    f"which is deleted: if this is a rename, add "
                    f"`moved: [{{from: {old}, to: {c.name}}}]` to keep the room "
                    "and its links"
                )
    return hints


def _settings(request: Mapping[str, Any]) -> str:
    """A request without its description, as comparable text."""
    rest = {k: v for k, v in request.items() if k != "description"}
    return json.dumps(rest, sort_keys=True)
