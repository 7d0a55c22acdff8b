"""CLI commands: import NAME ROOM_ID, state resolve NAME --adopt ROOM_ID | --recreate.

Both take a room that exists on the API into the state (or, for --recreate,
give up on finding one) under the state lock. Neither prints a join URL.
"""

from __future__ import annotations

import asyncio
import difflib
from pathlib import Path

import click

from provisioner.apply.adoption import (
    Imported,
    check_importable,
    check_matches_intent,
    imported_room,
    read_room,
)
from provisioner.apply.connect import client_for, require_key
from provisioner.apply.records import record_adopted, still_replaces, store_ops
from provisioner.cli.options import lock_timeout_option
from provisioner.config import Settings, display_path, load_estate, load_settings
from provisioner.errors import ConfigError, ProvisionerError
from provisioner.kaleyra import RoomInfo
from provisioner.model import RoomSpec
from provisioner.plan.importing import UNREADABLE
from provisioner.rules import room_name_fault
from provisioner.state import backend_for
from provisioner.state.document import StateBackend, op_pending_drop, op_room_put


def _read_room(settings: Settings, room_id: str, why: str) -> RoomInfo:
    key = require_key(why)

    async def main() -> RoomInfo:
        async with client_for(settings, key) as client:
            return await read_room(client, room_id)

    return asyncio.run(main())


def _commit(backend: StateBackend, state_ops: list[dict[str, object]]) -> None:
    state = backend.read()
    backend.commit(state, state_ops)
    backend.compact(state)


def _defined_room(settings: Settings, name: str) -> RoomSpec:
    """The room NAME of the files; an error when the files are broken or lack it."""
    estate = load_estate(settings)
    if estate.problems:
        raise ConfigError(list(estate.problems))
    spec = estate.rooms.get(name)
    if spec is None:
        folder = display_path(settings.rooms_dir)
        close = difflib.get_close_matches(name, list(estate.rooms), 1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ProvisionerError(
            f"{name} is not a room of the files in {folder}{hint}: define it "
            "there first (the next plan would delete a room the files lack); "
            "nothing was changed"
        )
    return spec


def _describe_import(name: str, imported: Imported) -> list[str]:
    room_id = imported.record.room_id
    users = ", ".join(sorted(imported.record.urls))
    lines = [f"Imported {room_id} as {name} (participants: {users})."]
    if imported.differs:
        lines.append(
            f"It differs from the files in {', '.join(imported.differs)}: the next "
            "plan replaces it (new links)."
        )
    else:
        lines.append(
            f"It matches the files in everything the API shows "
            f"({', '.join(sorted(shown_fields()))}, participants)."
        )
    lines.append(
        f"Not readable from the API, taken from the files: {', '.join(UNREADABLE)}."
    )
    return lines


def shown_fields() -> list[str]:
    return ["call_type", "description", "direct_call", "duration", "live", "recording"]


@click.command("import")
@click.argument("name")
@click.argument("room_id")
@lock_timeout_option
def import_command(name: str, room_id: str, lock_timeout: float) -> None:
    """Adopt an existing room into the state as NAME (read back from the API).

    NAME must be a room of the files: a name the files do not define would be
    deleted by the next plan, and a typo would turn "adopt" into "delete".
    """
    fault = room_name_fault(name)
    if fault is not None:
        raise ProvisionerError(f"{fault}; nothing was changed")
    settings = load_settings(Path("."))
    spec = _defined_room(settings, name)
    backend = backend_for(settings)
    with backend.lock("import", lock_timeout):
        check_importable(backend.read(), name, room_id)
        info = _read_room(settings, room_id, "read the room back")
        imported = imported_room(info, spec)
        _commit(backend, [op_room_put(name, imported.record)])
    for line in _describe_import(name, imported):
        click.echo(line)


@click.command("resolve")
@click.argument("name")
@click.option("--adopt", "adopt", metavar="ROOM_ID", help="The room to keep as NAME.")
@click.option("--recreate", is_flag=True, help="Give up the lost create: make anew.")
@lock_timeout_option
def resolve_command(
    name: str, adopt: str | None, recreate: bool, lock_timeout: float
) -> None:
    """Settle a pending create that several rooms on the API match."""
    if bool(adopt) == recreate:
        raise click.UsageError("pass exactly one of --adopt ROOM_ID or --recreate")
    settings = load_settings(Path("."))
    backend = backend_for(settings)
    with backend.lock("state resolve", lock_timeout):
        state = backend.read()
        intent = state.pending.get(name)
        if intent is None:
            raise ProvisionerError(f"{name} has no pending create; nothing to resolve")
        if recreate:
            _commit(backend, [op_pending_drop(name)])
            click.echo(
                f"{name}: pending create cleared; the next apply creates the room. "
                "Rooms a lost create made stay on the API, unmanaged."
            )
            return
        assert adopt is not None
        check_importable(state, "", adopt)
        info = _read_room(settings, adopt, "read the room back")
        check_matches_intent(intent, info)
        current = state.rooms.get(name)
        prevent = current.prevent_destroy if current else False
        record = record_adopted(intent, info, None, prevent)
        old = still_replaces(state, intent)
        _commit(backend, store_ops(name, record, old, settings.on_replace))
    click.echo(
        f"{name}: adopted {adopt}" + (f"; old room {old} is retiring" if old else "")
    )
