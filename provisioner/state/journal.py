"""The state journal: one JSON line per commit, replayed on top of the document.

    {"lineage": "<uuid>", "ops": [{"op": "room_put", ...}], "serial": 8}

A line is acknowledged once it and its newline are fsynced. A last line that
is unterminated or unreadable was torn by a crash mid-append: its commit never
returned, so it is ignored. Lines at or below the document's serial were
already compacted into it (a crash between the rename and the journal's
removal) and are skipped. Anything else out of place is corruption.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from provisioner.errors import StateError
from provisioner.state.document import State


@dataclass(frozen=True)
class Replay:
    """What a replay found: the journal's size and the end of its last good line."""

    size: int
    end: int
    applied: int


def encode_line(serial: int, lineage: str | None, ops_json: str) -> bytes:
    """One journal line for a commit whose operations are already JSON."""
    return (
        f'{{"lineage":{json.dumps(lineage)},"ops":{ops_json},"serial":{serial}}}\n'
    ).encode()


def replay(state: State, data: bytes, source: str) -> Replay:
    """Apply every acknowledged line of `data` to `state`."""
    *lines, tail = data.split(b"\n")
    end = applied = 0
    for number, line in enumerate(lines, 1):
        entry = _decode(line)
        if entry is None:
            if number == len(lines) and not tail:
                break  # torn last line
            raise _corrupt(source, number, "not a journal entry")
        if _play(state, entry, source, number, first=applied == 0):
            applied += 1
        end += len(line) + 1
    return Replay(size=len(data), end=end, applied=applied)


def _decode(line: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(entry, dict):
        return None
    if not isinstance(entry.get("serial"), int) or not isinstance(
        entry.get("ops"), list
    ):
        return None
    return entry


def _play(
    state: State, entry: dict[str, Any], source: str, number: int, first: bool
) -> bool:
    """Apply one entry; False when it was already compacted into the document."""
    serial: int = entry["serial"]
    lineage = entry.get("lineage")
    if state.lineage is not None and lineage not in (None, state.lineage):
        raise _corrupt(
            source, number, f"lineage {lineage} is not this state's ({state.lineage})"
        )
    if first and serial <= state.serial:
        return False
    if serial != state.serial + 1:
        raise _corrupt(source, number, f"serial {serial}, expected {state.serial + 1}")
    if state.lineage is None and isinstance(lineage, str):
        state.lineage = lineage
    try:
        state.apply(entry["ops"])
    except StateError as exc:
        raise _corrupt(source, number, str(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _corrupt(source, number, f"cannot apply: {exc!r}") from None
    return True


def _corrupt(source: str, number: int, why: str) -> StateError:
    return StateError(
        f"{source}: line {number} is corrupt ({why}); refusing to continue "
        "(nothing was changed)"
    )
