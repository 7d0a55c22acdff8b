"""CLI command: dump.

Writes room files with `import:` entries for the rooms on the API that the
state does not manage, so that adopting them is a reviewed pull request. It
reads (room/list, room/info) and writes new files only: no lock, no state
write, no file overwritten. Rooms it cannot adopt are listed with their ids.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from provisioner.apply.connect import client_for, require_key
from provisioner.apply.dump import Listing, read_rooms
from provisioner.config import display_path, load_estate, load_settings
from provisioner.config.dumpfile import Dump, RoomFile, Taken, plan_dump, write_dump
from provisioner.config.schema import ROOMS_SCHEMA_FILE
from provisioner.model import Estate, Settings
from provisioner.state import backend_for
from provisioner.state.document import State


@click.command("dump")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the room files.  [default: the rooms folder]",
)
@click.option(
    "--all", "every", is_flag=True, help="Every room on the API, managed ones too."
)
def dump_command(out: Path | None, every: bool) -> None:
    """Write room files with import: entries for rooms the state does not manage."""
    settings = load_settings(Path("."))
    estate = load_estate(settings)
    state = backend_for(settings).read(links=False)
    folder = out if out is not None else settings.rooms_dir
    leave_out = {entry.room_id for entry in estate.entries.imports}
    if not every:
        leave_out |= state.known_room_ids()
    listing = asyncio.run(_read(settings, leave_out))
    dump = plan_dump(
        listing.rooms,
        listing.described,
        _taken(estate, state),
        folder,
        frozenset(estate.users),
        _schema_ref(settings, folder),
    )
    _report(dump, write_dump(dump), listing)


async def _read(settings: Settings, leave_out: set[str]) -> Listing:
    key = require_key("read the rooms on the API")
    async with client_for(settings, key) as client:
        return await read_rooms(client, leave_out)


def _taken(estate: Estate, state: State) -> Taken:
    """Names in the files or the state, and the files' descriptions."""
    described: dict[str, str | None] = {}
    for name, spec in estate.rooms.items():
        record = state.rooms.get(name)
        described[spec.description] = record.room_id if record else None
    names = frozenset(estate.rooms) | frozenset(state.rooms) | frozenset(state.pending)
    return Taken(names, described)


def _schema_ref(settings: Settings, folder: Path) -> str:
    schema = (settings.root / ROOMS_SCHEMA_FILE).resolve()
    return Path(os.path.relpath(schema, folder.resolve())).as_posix()


def _report(dump: Dump, written: list[RoomFile], listing: Listing) -> None:
    for file in dump.files:
        if file in written:
            click.echo(
                f"Wrote {display_path(file.path)} ({file.room_id} as {file.name})"
            )
        else:
            click.echo(f"Not written: {display_path(file.path)} appeared meanwhile")
    for room_id, why in dump.listed:
        click.echo(f"Not dumped: {room_id}: {why}; give it a unique description first")
    if listing.skipped:
        click.echo(f"Skipped {listing.skipped} disabled or closed room(s).")
    if written:
        click.echo(
            f"Next: review the files, then `provisioner plan` shows "
            f"{len(written)} import(s) and no other change."
        )
    elif not dump.listed:
        click.echo("Nothing to dump: every room on the API is managed or imported.")
