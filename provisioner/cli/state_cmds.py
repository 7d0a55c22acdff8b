"""CLI commands: state list|show|rm|mv, force-unlock, output.

Every one of them reads only the state (no API call). `output` is the one
command meant to print join URLs; `state show` prints them only when asked
with `--show-urls`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import click

from provisioner.cli import LazyGroup
from provisioner.cli.backend import current_backend
from provisioner.cli.options import format_option, lock_timeout_option
from provisioner.errors import ProvisionerError
from provisioner.rules import room_name_fault
from provisioner.state.document import (
    RoomRecord,
    State,
    op_room_drop,
    op_room_move,
)

_RETIRING_ACTIONS = {"disable": "to be disabled", "delete": "to be deleted"}


@click.group(
    "state",
    cls=LazyGroup,
    lazy={
        "resolve": "provisioner.cli.adopt_cmds:resolve_command",
        "history": "provisioner.cli.shared_cmds:history_cmd",
        "lock-info": "provisioner.cli.shared_cmds:lock_info_cmd",
        "migrate": "provisioner.cli.shared_cmds:migrate_cmd",
        "grants": "provisioner.cli.shared_cmds:grants_cmd",
    },
)
def state_group() -> None:
    """Inspect and repair the state (offline: no API calls)."""


@state_group.command("list")
@format_option(
    ["text", "json"],
    "text: one name per line; json: rooms, retiring rooms and pending creates.",
)
def list_cmd(fmt: str) -> None:
    """List managed rooms, then retiring rooms and pending creates."""
    state = current_backend().read(links=False)
    if fmt == "json":
        click.echo(json.dumps(_list_json(state), indent=2, sort_keys=True))
        return
    for line in _list_lines(state):
        click.echo(line)


def _list_lines(state: State) -> list[str]:
    lines = sorted(state.rooms)
    for room_id, old in sorted(state.retiring.items()):
        action = _RETIRING_ACTIONS.get(old.action, old.action)
        lines.append(f"retiring: {room_id} (was {old.name}, {action})")
    for name, pending in sorted(state.pending.items()):
        replacing = f", replacing {pending.replaces}" if pending.replaces else ""
        lines.append(f"pending create: {name} (since {pending.started_at}{replacing})")
    return lines


def _list_json(state: State) -> dict[str, Any]:
    return {
        "rooms": sorted(state.rooms),
        "retiring": [asdict(r) for _, r in sorted(state.retiring.items())],
        "pending": [
            {"name": p.name, "started_at": p.started_at, "replaces": p.replaces}
            for _, p in sorted(state.pending.items())
        ],
    }


@state_group.command("show")
@click.argument("name")
@click.option("--show-urls", is_flag=True, help="Also print each participant's link.")
@click.option(
    "--serial",
    type=click.IntRange(min=1),
    help="Show the room as it was in this version (see `state history`); no links.",
)
def show_cmd(name: str, show_urls: bool, serial: int | None) -> None:
    """Show one managed room (join URLs only with --show-urls)."""
    backend = current_backend()
    if serial is not None:
        if show_urls:
            raise click.UsageError("--show-urls shows current links only, not --serial")
        state = backend.read_version(serial)
    else:
        state = backend.read(links=show_urls)
    click.echo("\n".join(_show_lines(name, _room(state, name), show_urls)))


def _show_lines(name: str, room: RoomRecord, show_urls: bool) -> list[str]:
    request = json.dumps(room.request, indent=2, sort_keys=True)
    lines = [
        f"name: {name}",
        f"room_id: {room.room_id}",
        f"created_at: {room.created_at}",
        f"fingerprint: {room.fingerprint}",
        f"prevent_destroy: {str(room.prevent_destroy).lower()}",
        "request:",
        *(f"  {line}" for line in request.splitlines()),
        "participants:",
    ]
    users = _participants(room)
    width = max(map(len, users), default=0)
    for user in users:
        url = room.urls.get(user, "(no link recorded)")
        lines.append(f"  {user:<{width}}  {url}" if show_urls else f"  {user}")
    return lines


def _participants(room: RoomRecord) -> list[str]:
    listed = room.request.get("participants")
    ids = {str(p.get("user_id")) for p in listed or [] if isinstance(p, Mapping)}
    return sorted(ids | set(room.urls))


@state_group.command("rm")
@click.argument("names", nargs=-1, required=True)
@lock_timeout_option
def rm_cmd(names: tuple[str, ...], lock_timeout: float) -> None:
    """Forget rooms without deleting them on Kaleyra."""
    unique = sorted(set(names))
    backend = current_backend()
    with backend.lock("state rm", lock_timeout):
        state = backend.read()
        forgotten = {name: _room(state, name, settled=True) for name in unique}
        backend.commit(state, [op_room_drop(name) for name in unique])
        backend.compact(state)
    for name, room in forgotten.items():
        click.echo(
            f"Removed {name} ({room.room_id}) from the state; "
            "the room still exists on Kaleyra."
        )


@state_group.command("mv")
@click.argument("old")
@click.argument("new")
@lock_timeout_option
def mv_cmd(old: str, new: str, lock_timeout: float) -> None:
    """Rename a room in the state without replacing it."""
    fault = room_name_fault(new)
    if fault is not None:
        raise ProvisionerError(fault)
    backend = current_backend()
    with backend.lock("state mv", lock_timeout):
        state = backend.read()
        room = _room(state, old, settled=True)
        if new in state.rooms or new in state.pending:
            raise ProvisionerError(f"a room named {new!r} is already in the state")
        backend.commit(state, [op_room_move(old, new)])
        backend.compact(state)
    click.echo(f"Moved {old} to {new} ({room.room_id}); its links are unchanged.")
    if room.request.get("description") == old:
        click.echo(
            f"Note: its description is still {old!r}: keep `description: {old}` "
            f"in the room file of {new}, or the next plan will replace it."
        )


@click.command("force-unlock")
@click.argument("lock_id")
def force_unlock_cmd(lock_id: str) -> None:
    """Forget a lock holder this host cannot check (e.g. on another host)."""
    owner = current_backend().force_unlock(lock_id)
    click.echo(
        f"Unlocked the state: forgot {owner.describe()}. "
        "Run plan before apply: that run may have changed rooms."
    )


@click.command("output")
@click.argument("name", required=False)
@format_option(
    ["text", "json", "csv"],
    "json: {room: {user: url}}; csv: room,user,url rows.",
)
def output_cmd(name: str | None, fmt: str) -> None:
    """Print join URLs per participant: the one command that shows them."""
    backend = current_backend()
    state = backend.read()
    if name is not None:
        _room(state, name)
    if not state.rooms:
        # Nothing on stdout either way; say why, in case this is the wrong folder.
        click.echo(
            f"No rooms in the state ({backend.location}): run provisioner apply "
            "first, or run this where provisioner.yaml is.",
            err=True,
        )
    links = {
        room_name: dict(sorted(room.urls.items()))
        for room_name, room in sorted(state.rooms.items())
        if name is None or room_name == name
    }
    click.echo(_RENDERERS[fmt](links), nl=False)


def _output_text(links: Mapping[str, Mapping[str, str]]) -> str:
    lines: list[str] = []
    for room, urls in links.items():
        width = max(map(len, urls), default=0)
        lines.append(room)
        lines += [f"  {user:<{width}}  {url}" for user, url in urls.items()]
    return "".join(f"{line}\n" for line in lines)


def _output_json(links: Mapping[str, Mapping[str, str]]) -> str:
    return json.dumps(links, indent=2, sort_keys=True) + "\n"


def _output_csv(links: Mapping[str, Mapping[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["room", "user", "url"])
    for room, urls in links.items():
        writer.writerows([room, user, url] for user, url in urls.items())
    return buffer.getvalue()


_RENDERERS = {"text": _output_text, "json": _output_json, "csv": _output_csv}


def _room(state: State, name: str, settled: bool = False) -> RoomRecord:
    """The room called `name`; with `settled`, refuse one with a pending create."""
    room = state.rooms.get(name)
    pending = name in state.pending
    if room is None:
        hint = (
            f" ({name} has a pending create: run apply, or "
            f"`provisioner state resolve {name} --adopt ROOM_ID | --recreate`)"
            if pending
            else ""
        )
        raise ProvisionerError(f"no room named {name!r} in the state{hint}")
    if settled and pending:
        raise ProvisionerError(
            f"{name} has a pending create (a replacement in progress): run apply "
            "to finish it first"
        )
    return room
