"""`provisioner dump`'s room files: rooms on the API written as reviewed code.

One file per room, each with an `import:` entry, comments naming the source
room id, the participants' users under `external_users:` (unless a file
manages them), the fields room/info shows as it shows them, and the fields it
cannot show at the API's defaults, marked `# not readable from the API:
check`. The next plan on the result imports each room and changes nothing.

A room is adopted by its description (it identifies a room when a create's
answer is lost), so a room without one, or sharing one with another room on
the API or in the files, is not written but listed: adopting it needs a
decision. Names come from descriptions (valid room names, unique across the
files, the state and the dump); a file that exists is never overwritten.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from provisioner import rules
from provisioner.config.yamlmeaning import reads_as_text
from provisioner.errors import ProvisionerError

UNREADABLE: Final = "# not readable from the API: check"
NAME_MAX: Final = 63
# Escaped in quoted text: what YAML refuses anywhere in a stream, and the
# line breaks it would fold (NEL, LS, PS) and the byte-order mark.
_ESCAPED: Final = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
    "\U00010000-\U0010ffff]"
)
_PLAIN: Final = re.compile(r"[A-Za-z0-9]([A-Za-z0-9 ._/()-]*[A-Za-z0-9._/()-])?")


@dataclass(frozen=True)
class ApiRoom:
    """A room read back from the API: what room/info shows, no links."""

    room_id: str
    description: str | None
    created_at: str
    shown: Mapping[str, Any]
    users: tuple[str, ...]


@dataclass(frozen=True)
class Taken:
    """What a dumped room may not reuse: names, and descriptions in the files.

    `described` maps a description used in the files to the room id the state
    records for that room (None when it has none yet).
    """

    names: frozenset[str]
    described: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomFile:
    path: Path
    name: str
    room_id: str
    text: str


@dataclass(frozen=True)
class Dump:
    """The files to write, and the rooms listed instead (room id, why)."""

    files: tuple[RoomFile, ...]
    listed: tuple[tuple[str, str], ...]


def plan_dump(
    rooms: Sequence[ApiRoom],
    described: Counter[str],
    taken: Taken,
    out: Path,
    managed_users: Collection[str],
    schema_ref: str,
) -> Dump:
    """The files for `rooms` (oldest first); `described` counts the descriptions
    of every live room on the API."""
    names = set(taken.names)
    files, listed = [], []
    for room in sorted(rooms, key=lambda r: (r.created_at, r.room_id)):
        why = _not_adoptable(room, described, taken)
        if why is not None:
            listed.append((room.room_id, why))
            continue
        name = unique_name(str(room.description), names, out)
        names.add(name)
        external = sorted(u for u in room.users if u not in managed_users)
        text = room_file(room, name, external, schema_ref)
        files.append(RoomFile(out / f"{name}.yaml", name, room.room_id, text))
    return Dump(tuple(files), tuple(listed))


def _not_adoptable(room: ApiRoom, described: Counter[str], taken: Taken) -> str | None:
    if not room.description:
        return "it has no description"
    text = json.dumps(room.description, ensure_ascii=False)
    if described[room.description] > 1:
        return f"its description {text} is shared with another room on the API"
    owner = taken.described.get(room.description, room.room_id)
    if owner != room.room_id:
        return f"its description {text} is used by a room in the files"
    return None


def slug(text: str) -> str:
    """A room name from free text: lowercase letters, digits and dashes.

    A name YAML 1.1 or 1.2 would read as something else (yes, y, null, 123,
    1e3) gets `-room`.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
    name = re.sub(r"[^a-z0-9]+", "-", ascii_text.decode().lower()).strip("-")
    name = name[: NAME_MAX - len("-room")].rstrip("-") or "room"
    return name if reads_as_text(name) else f"{name}-room"


def unique_name(description: str, taken: Collection[str], out: Path) -> str:
    """The description's slug, suffixed -2, -3… until no name or file has it."""
    base = slug(description)
    for number in range(1, 100_000):
        suffix = "" if number == 1 else f"-{number}"
        name = base[: NAME_MAX - len(suffix)].rstrip("-") + suffix
        files = (out / f"{name}.yaml", out / f"{name}.yml")
        if name not in taken and not any(f.exists() for f in files):
            return name
    raise ProvisionerError(f"no free room name for {description!r}")


def scalar(value: Any) -> str:
    """One YAML scalar that reads back as `value` (booleans, integers, text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    # Plain only when YAML 1.1 and 1.2 both read it back as this very text
    # (not a number, a boolean, a date...): else validate refuses the file.
    if _PLAIN.fullmatch(text) and reads_as_text(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _ESCAPED.sub(lambda m: f"\\u{ord(m[0]):04x}", quoted)


def room_file(room: ApiRoom, name: str, external: Sequence[str], schema: str) -> str:
    """The text of one dumped room file."""
    created = f" (created {room.created_at})" if room.created_at else ""
    lines = [
        f"# yaml-language-server: $schema={schema}",
        f"# Written by `provisioner dump` from room {room.room_id}{created}.",
        "# Fields room/info cannot show are at the API's defaults, marked",
        f"# `{UNREADABLE[2:]}`. The next plan imports the room (no",
        "# API write); once applied, the import: entry can be deleted.",
    ]
    if external:
        lines += ["external_users:", *(f"  - {scalar(u)}" for u in external)]
    lines += [
        "import:",
        f"  - {{to: {name}, id: {scalar(room.room_id)}}}  # source: {room.room_id}",
        "rooms:",
        f"  {name}:",
        *_fields(room.shown),
        *_participants(room.users),
    ]
    return "\n".join(lines) + "\n"


def _fields(shown: Mapping[str, Any]) -> Iterator[str]:
    for spec in rules.ROOM_FIELDS:
        if spec.sent_as in shown:
            yield f"    {spec.name}: {scalar(shown[spec.sent_as])}"
        elif spec.default is not rules.UNSET:
            yield f"    {spec.name}: {scalar(spec.default)}  {UNREADABLE}"
        elif spec.name in ("initiator_alias", "call_action"):
            yield f"    # {spec.name}: none written  {UNREADABLE}"


def _participants(users: Sequence[str]) -> Iterator[str]:
    yield f"    # every participant's tools: all enabled (left out)  {UNREADABLE}"
    yield "    participants:"
    for user in sorted(users):
        yield f"      - user_id: {scalar(user)}"
        yield f"        is_admin: false  {UNREADABLE}"


def write_dump(dump: Dump) -> list[RoomFile]:
    """Write each file that does not exist yet; the files written."""
    written = []
    for file in dump.files:
        try:
            file.path.parent.mkdir(parents=True, exist_ok=True)
            with file.path.open("x", encoding="utf-8") as handle:
                handle.write(file.text)
        except FileExistsError:
            continue  # made since the name was chosen: never overwritten
        except OSError as exc:
            raise ProvisionerError(
                f"{file.path}: cannot write: {exc.strerror}"
            ) from None
        written.append(file)
    return written
