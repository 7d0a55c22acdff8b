"""PURE: desired rooms and users + the state -> a Plan.

No file, network, clock or environment: everything arrives as arguments, so
every case is a row in a parametrized test. Room order is deletes, replaces,
creates, no-ops (destructive first, what a reviewer reads first), each by name.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Final

from provisioner import rules
from provisioner.errors import ProvisionerError
from provisioner.model import Entries, RoomSpec, UserSpec, participant_ids
from provisioner.plan.changes import (
    Action,
    FlagChange,
    Plan,
    PlanOptions,
    RetireChange,
    RoomChange,
)
from provisioner.plan.compare import field_changes
from provisioner.plan.entries import Resolved, rename_hints, resolve
from provisioner.plan.importing import ReadBack
from provisioner.plan.users import user_changes
from provisioner.state.document import RoomRecord, State

REASON_NEW: Final = "in the files, not in the state"
REASON_REMOVED: Final = "in the state, not in the files"
REASON_CHANGED: Final = "the request changed and rooms cannot be updated"
REASON_FORCED: Final = "forced by --replace"
REASON_PENDING: Final = (
    "an earlier apply was interrupted while creating this room: apply looks for "
    "that room first and adopts it rather than create a duplicate"
)
REASON_FORGET: Final = "only forgotten: the room is already gone, nothing to delete"
_ROOM_ORDER: Final = {
    Action.DELETE: 0,
    Action.REPLACE: 1,
    Action.CREATE: 2,
    Action.FORGET: 3,
    Action.MOVE: 4,
    Action.IMPORT: 5,
    Action.NOOP: 6,
}


@dataclass(frozen=True)
class _Inputs:
    rooms: Mapping[str, RoomSpec]
    state: State
    replace: frozenset[str]
    drift: Mapping[str, str]


@dataclass(frozen=True)
class _Scope:
    """Which names a plan covers: all, or those matching a target or replaced."""

    targets: tuple[str, ...]
    replace: frozenset[str]

    def matches(self, name: str) -> bool:
        if not self.targets or name in self.replace:
            return True
        return any(fnmatchcase(name, t) for t in self.targets)

    def select(self, names: set[str]) -> set[str]:
        return names if not self.targets else {n for n in names if self.matches(n)}


def diff(
    desired_rooms: Mapping[str, RoomSpec],
    desired_users: Mapping[str, UserSpec],
    state: State,
    *,
    replace: Collection[str] = (),
    targets: Collection[str] = (),
    drift: Mapping[str, str] | None = None,
    prune_users: bool = False,
    on_replace: str = rules.DEFAULT_ON_REPLACE,
    entries: Entries | None = None,
    read_back: Mapping[str, ReadBack] | None = None,
) -> Plan:
    """The plan that brings the state to the desired rooms and users.

    `targets` (fnmatch globs) narrow the plan to matching rooms; a `replace`d
    name is always in scope. `drift` maps a room name to why refresh found it
    gone on the API (deleted, disabled, closed): it is planned as a create.
    `entries` (moved, import, removed) are planned as their own changes, the
    imports compared as `read_back` shows them (None: unread).
    """
    resolved = resolve(entries or Entries(), state, desired_rooms, read_back)
    view = resolved.state
    _check_replace_names(replace, desired_rooms, view)
    found = resolved.drift(drift or {})
    inputs = _Inputs(desired_rooms, view, frozenset(replace), found)
    wanted = _Scope(tuple(targets), inputs.replace)
    names = wanted.select(set(desired_rooms) | set(view.rooms))
    rooms = _room_changes(inputs, resolved, names)
    pending = sorted(wanted.select(set(state.pending)))
    needed = _needed_users(desired_rooms, names) if targets else None
    return Plan(
        rooms=tuple(rooms),
        users=user_changes(desired_users, state, needed=needed, prune=prune_users),
        flags=_flag_changes(view, rooms),
        lineage=state.lineage,
        serial=state.serial,
        on_replace=on_replace,
        warnings=_warnings(wanted, desired_rooms, view, pending),
        notes=(*resolved.notes, *rename_hints(rooms, state)),
        retiring=_retiring(state, wanted),
        pending=tuple(pending),
        options=PlanOptions(
            targets=tuple(targets),
            replace=tuple(sorted(inputs.replace)),
            prune_users=prune_users,
        ),
    )


def _room_changes(
    inputs: _Inputs, resolved: Resolved, names: set[str]
) -> list[RoomChange]:
    """Each name's change, as the entries make it, in plan order."""
    return sorted(
        (resolved.mark(_room_change(name, inputs)) for name in names),
        key=lambda c: (_ROOM_ORDER[c.action], c.name),
    )


def _needed_users(rooms: Mapping[str, RoomSpec], names: set[str]) -> set[str]:
    return {u for n in names if n in rooms for u in rooms[n].participants}


def _retiring(state: State, scope: _Scope) -> tuple[RetireChange, ...]:
    old = sorted(state.retiring.values(), key=lambda r: (r.name, r.room_id))
    return tuple(
        RetireChange(r.room_id, r.name, r.action) for r in old if scope.matches(r.name)
    )


def _check_replace_names(
    replace: Collection[str], rooms: Mapping[str, RoomSpec], state: State
) -> None:
    unknown = sorted(n for n in replace if n not in rooms and n not in state.rooms)
    if unknown:
        raise ProvisionerError(
            f"--replace {', '.join(unknown)}: no room of that name in the files "
            "or the state"
        )


def _room_change(name: str, inputs: _Inputs) -> RoomChange:
    spec = inputs.rooms.get(name)
    record = inputs.state.rooms.get(name)
    pending = (REASON_PENDING,) if name in inputs.state.pending else ()
    if record is None:
        assert spec is not None  # the name comes from the files or the state
        return _create(spec, (REASON_NEW, *pending))
    if name in inputs.drift:
        return _drifted(spec, record, name, inputs.drift[name], pending)
    if spec is None:
        return _delete(name, record, (REASON_REMOVED, *pending))
    return _compared(spec, record, name in inputs.replace, pending)


def _delete(
    name: str, record: RoomRecord, reasons: tuple[str, ...], forget_only: bool = False
) -> RoomChange:
    """A room in the state and no longer in the files."""
    return RoomChange(
        Action.DELETE,
        name,
        room_id=record.room_id,
        fingerprint=record.fingerprint,
        prevent_destroy=record.prevent_destroy,
        reasons=reasons,
        links_lost=_participants(record),
        forget_only=forget_only,
    )


def _compared(
    spec: RoomSpec, record: RoomRecord, forced: bool, pending: tuple[str, ...]
) -> RoomChange:
    """A room in the files and the state: replaced when its request changed."""
    same = record.request == spec.request and _same_call_action(record, spec)
    fields = () if same else tuple(field_changes(record.request, spec.request))
    if not fields and not forced:
        return RoomChange(
            Action.NOOP,
            spec.name,
            room_id=record.room_id,
            fingerprint=record.fingerprint,
            prevent_destroy=spec.prevent_destroy,
            reasons=pending,
        )
    reasons = ((REASON_CHANGED,) if fields else ()) + (
        (REASON_FORCED,) if forced else ()
    )
    return RoomChange(
        Action.REPLACE,
        spec.name,
        room_id=record.room_id,
        request=spec.request,
        fingerprint=spec.fingerprint,
        prevent_destroy=spec.prevent_destroy,
        fields=fields,
        reasons=reasons + pending,
        links_lost=_participants(record),
    )


def _same_call_action(record: RoomRecord, spec: RoomSpec) -> bool:
    """`==` misses True vs 1; only call_action is not typed by the schema.

    Comparing this one subtree as JSON keeps the no-op test at plain `==` cost
    for 10,000 rooms (a fingerprint per room would double the diff's time).
    """
    old, new = record.request.get("call_action"), spec.request.get("call_action")
    return old is new or json.dumps(old, sort_keys=True) == json.dumps(
        new, sort_keys=True
    )


def _create(spec: RoomSpec, reasons: tuple[str, ...]) -> RoomChange:
    return RoomChange(
        Action.CREATE,
        spec.name,
        request=spec.request,
        fingerprint=spec.fingerprint,
        prevent_destroy=spec.prevent_destroy,
        reasons=reasons,
    )


def _drifted(
    spec: RoomSpec | None,
    record: RoomRecord,
    name: str,
    reason: str,
    pending: tuple[str, ...],
) -> RoomChange:
    """A room gone on the API: recreate it, or only forget it when removed."""
    lost = _participants(record)
    if spec is None:
        reasons = (reason, REASON_REMOVED, REASON_FORGET)
        return _delete(name, record, reasons, forget_only=True)
    change = _create(spec, (f"{reason} (was {record.room_id})", *pending))
    return dataclasses.replace(change, links_lost=lost)


def _participants(record: RoomRecord) -> tuple[str, ...]:
    return tuple(sorted(participant_ids(record.request)))


def _flag_changes(state: State, changes: list[RoomChange]) -> tuple[FlagChange, ...]:
    """prevent_destroy changed on a room that is otherwise left alone."""
    return tuple(
        FlagChange(c.name, c.prevent_destroy)
        for c in changes
        if c.action is Action.NOOP
        and c.prevent_destroy != state.rooms[c.name].prevent_destroy
    )


def _warnings(
    scope: _Scope, rooms: Mapping[str, RoomSpec], state: State, pending: list[str]
) -> tuple[str, ...]:
    """What the reviewer should know that is not a change of its own."""
    everything = set(rooms) | set(state.rooms)
    found = [
        f"--target {t!r} matches no room"
        for t in scope.targets
        if not any(fnmatchcase(n, t) for n in everything)
    ]
    for name in sorted(scope.replace):
        if name not in state.rooms:
            found.append(f"--replace {name}: not in the state, so a plain create")
        elif name not in rooms:
            found.append(f"--replace {name}: not in the files, so deleted instead")
    found += [
        f"{name}: an earlier apply was interrupted while creating this room; "
        "apply reconciles it before anything else"
        + ("" if name in rooms else " (the room is no longer in the files)")
        for name in pending
    ]
    return tuple(found)


def sandbox_warnings(rooms: Mapping[str, RoomSpec]) -> tuple[str, ...]:
    """One warning per room asking for recording, for a plan against the sandbox."""
    return tuple(
        f"{name}: recording is true, but the sandbox never records"
        for name in sorted(rooms)
        if rooms[name].request.get("recording") is True
    )
