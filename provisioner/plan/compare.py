"""Which leaves of two JSON-like requests differ, as dotted paths.

Pure. `participants` lists are compared by user id, so a reordered list is no
change: `participants[bob].tools.chat`. A leaf missing on one side shows None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from provisioner.plan.changes import FieldChange

_MISSING: Final = object()


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterator[FieldChange]:
    """Every leaf that differs, as dotted paths; participants keyed by user id."""
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if key == "participants":
            yield from _participant_changes(old, new)
        else:
            yield from _value_changes(key, old, new)


def _value_changes(path: str, old: Any, new: Any) -> Iterator[FieldChange]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new)):
            yield from _value_changes(
                f"{path}.{key}", old.get(key, _MISSING), new.get(key, _MISSING)
            )
    elif not _same(old, new):
        yield FieldChange(path, _visible(old), _visible(new))


def _participant_changes(old: Any, new: Any) -> Iterator[FieldChange]:
    before = {str(p["user_id"]): p for p in _list(old)}
    after = {str(p["user_id"]): p for p in _list(new)}
    if set(before) != set(after):
        yield FieldChange("participants", sorted(before), sorted(after))
    for user in sorted(set(before) & set(after)):
        yield from _value_changes(f"participants[{user}]", before[user], after[user])


def _list(value: Any) -> list[Mapping[str, Any]]:
    return list(value) if isinstance(value, list | tuple) else []


def _same(old: Any, new: Any) -> bool:
    # True == 1 in Python; a changed type is a changed request.
    return type(old) is type(new) and bool(old == new)


def _visible(value: Any) -> Any:
    return None if value is _MISSING else value
