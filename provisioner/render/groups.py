"""Identical changes, grouped: a plan of 3,000 rooms reads as one line, not 3,000.

PURE. Two room changes are identical when they make the same change for the
same reasons: a replace with the same field changes (path, before, after), or
a delete (forget-only deletes apart). Creates are never grouped: each new
room's settings are shown. Groups keep the order of their first change.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from provisioner.plan import Action, RoomChange

MIN_GROUP = 2
"""Fewer identical changes than this are shown one by one."""


def group_key(change: RoomChange) -> Hashable:
    """What makes two changes identical; unique for changes never grouped."""
    same = (change.action, change.forget_only, change.reasons)
    if change.action is Action.REPLACE and change.fields:
        return (
            *same,
            tuple((f.path, repr(f.before), repr(f.after)) for f in change.fields),
        )
    if change.action is Action.DELETE:
        return same
    return ("single", change.name, str(change.action))


def grouped(changes: Sequence[RoomChange]) -> list[tuple[RoomChange, ...]]:
    """`changes` in groups of identical ones (a group of one stands alone)."""
    groups: dict[Hashable, list[RoomChange]] = {}
    for change in changes:
        groups.setdefault(group_key(change), []).append(change)
    result: list[tuple[RoomChange, ...]] = []
    for members in groups.values():
        if len(members) >= MIN_GROUP:
            result.append(tuple(members))
        else:
            result.extend((member,) for member in members)
    return result


def rooms(count: int) -> str:
    """`1 room`, `3,000 rooms`: the one number format of every renderer."""
    return f"{count:,} room" if count == 1 else f"{count:,} rooms"
