"""Moving a state between backends (`provisioner state migrate --to LOCATION`).

The copy is the whole document, links, pending creates and retiring rooms
included, with its lineage and serial, so saved plans stay valid against it.
The source is left as it was (a backup). A destination that holds another
lineage, or a later version of this one, is never overwritten.
"""

from __future__ import annotations

from provisioner.errors import StateError
from provisioner.state.document import State, StateBackend


def migrate(source: StateBackend, target: StateBackend, timeout: float) -> State:
    """Copy `source`'s state into `target` under both locks; the state copied."""
    if source.location == target.location:
        raise StateError(f"{target.location} is the state itself; nothing to do")
    with source.lock("state migrate", timeout), target.lock("state migrate", timeout):
        state = source.read()
        if state.lineage is None:
            raise StateError(f"{source.location}: no state to migrate yet")
        if needs_copy(state, target.read(), target.location):
            target.restore(state)
    return state


def needs_copy(state: State, there: State, where: str) -> bool:
    """False when `there` is `state` already; StateError when it must stay."""
    if there.lineage is None:
        return True
    if there.lineage != state.lineage:
        raise StateError(
            f"{where} holds another state (lineage {there.lineage}, not "
            f"{state.lineage}); refusing to overwrite it"
        )
    if there.serial > state.serial:
        raise StateError(
            f"{where} holds a later version of this state (serial {there.serial}, "
            f"the source has {state.serial}); refusing to overwrite it"
        )
    return there.serial < state.serial or there.to_dict() != state.to_dict()
