"""PURE: what refresh found changed outside the provisioner, as a report.

`provisioner drift` reads every managed room and user back and reports, with
no plan and no lock: rooms deleted, disabled or closed outside the tool, and
managed users gone. The report holds names, room ids and reasons, never a
join URL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from provisioner.state.document import State


@dataclass(frozen=True)
class DriftedRoom:
    """One managed room found changed: `kind` is deleted, disabled or closed."""

    name: str
    room_id: str
    kind: str
    reason: str


@dataclass(frozen=True)
class DriftReport:
    """Every drifted room and gone user, and how much was checked."""

    rooms: tuple[DriftedRoom, ...]
    users_gone: tuple[str, ...]
    checked_rooms: int
    checked_users: int
    lineage: str | None = None
    serial: int = 0

    @property
    def drifted(self) -> bool:
        return bool(self.rooms or self.users_gone)


def drift_report(
    state: State, drift: Mapping[str, str], users_gone: Collection[str]
) -> DriftReport:
    """The report for `state`, from refresh's findings (reasons by room name)."""
    rooms = tuple(
        DriftedRoom(name, state.rooms[name].room_id, reason.split()[0], reason)
        for name, reason in sorted(drift.items())
        if name in state.rooms
    )
    return DriftReport(
        rooms=rooms,
        users_gone=tuple(sorted(users_gone)),
        checked_rooms=len(state.rooms),
        checked_users=len(state.users),
        lineage=state.lineage,
        serial=state.serial,
    )
