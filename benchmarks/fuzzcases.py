"""Generated inputs for the fuzz run: room files, settings files, state and plans.

Every generator takes a `random.Random`, so a seed replays a run exactly. Room
and settings files start from a valid document, get a few structural
mutations (wrong types, unknown keys, out-of-range numbers, bad names, odd
shapes for moved/import/removed, users and tools), are written as YAML, and
then often get a textual mutation as well: YAML 1.1 scalars, tags (including
`!!python/object`), anchors and merge keys, duplicate keys, tabs, deep
nesting, several documents, truncation, flipped bytes, NUL, invalid UTF-8, a
BOM, CR line ends, or plain random bytes. State and plan files are either
arbitrary bytes or a real document (JSON) mutated the same structural way.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import yaml

USERS = ("alice", "bob", "carol")
ROOM_KEYS = (
    "description",
    "duration",
    "recording",
    "recording_type",
    "call_type",
    "live",
    "direct_call",
    "initiator_alias",
    "call_action",
    "prevent_destroy",
    "participants",
)
TOOLS = ("chat", "screen_sharing", "file_upload", "snapshot", "whiteboard")
SETTINGS_KEYS = (
    "rooms",
    "state",
    "api",
    "on_replace",
    "max_delete_percent",
    "max_replace_percent",
    "max_drift_percent",
    "prune_users",
    "state_history_keep",
    "lock_lease_seconds",
)
# Values that have tripped parsers before: YAML 1.1 booleans, sexagesimals,
# dates, special floats, odd unicode, path tricks.
NASTY_STRINGS = (
    "",
    " ",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "~",
    "null",
    "1:20",
    "0o17",
    "0x1F",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    ".inf",
    ".nan",
    "-0",
    "1e400",
    "é",
    "日本",
    "\u202e",
    "\u2028",
    "\ufeff",
    "a" * 300,
    "../../etc/passwd",
    "/etc/passwd",
    "rooms",
    "rooms/",
    "provisioner.yaml",
    "%s%n",
    "{{x}}",
    "$(id)",
    "<script>",
    "room_x",
    "UPPER",
    "with space",
    "-leading",
    "x" * 64,
)
YAML_TEXT_SNIPPETS = (
    "yes",
    "no",
    "on",
    "off",
    "1:20:30",
    "2024-01-01",
    "0o777",
    "0x10",
    ".inf",
    "-.inf",
    ".nan",
    "~",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!timestamp 2001-12-14",
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!custom thing",
    "!!int notanumber",
    "!!float x",
    "*undefined_alias",
    "&anchor 5",
    "'unterminated",
    '"\\ud800"',
    '"\\x00"',
    "[1, 2",
    "{a: 1",
    "? complex\n: key",
    "|\n  block\n  text",
    ">-\n  folded",
    "10000000000000000000000000000000000000000",
    "-999999999999999999999",
    "1_000",
    "+12",
)


def scalar(rng: random.Random) -> Any:
    """A random leaf value, often a nasty one."""
    pick = rng.randrange(9)
    if pick == 0:
        return rng.choice(NASTY_STRINGS)
    if pick == 1:
        return rng.choice([0, 1, -1, 59, 60, 86400, 86401, 2**31, 2**63, -(2**70)])
    if pick == 2:
        return rng.choice([0.5, -0.0, 1e300, float("inf"), float("nan")])
    if pick == 3:
        return rng.choice([True, False, None])
    if pick == 4:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(8)))
    if pick == 5:
        return rng.choice(USERS)
    if pick == 6:
        return rng.choice(["audio_only", "manual", "basic", "plus", "disable"])
    if pick == 7:
        return f"room-{rng.randrange(100)}"
    return rng.randrange(-5, 100000)


def value(rng: random.Random, depth: int = 0) -> Any:
    """A random value: a leaf, or a small list or mapping of them."""
    roll = rng.random()
    if depth > 3 or roll < 0.6:
        return scalar(rng)
    if roll < 0.8:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [str(scalar(rng)) for _ in range(rng.randrange(4))]
    return {k: value(rng, depth + 1) for k in keys}


def participant(rng: random.Random, user: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"user_id": user}
    if rng.random() < 0.3:
        entry["is_admin"] = rng.random() < 0.5
    if rng.random() < 0.3:
        tools: dict[str, Any] = {t: rng.random() < 0.5 for t in rng.sample(TOOLS, 2)}
        if rng.random() < 0.3:
            tools["whiteboard"] = {"wb_pen": True, "wb_text": False}
        entry["tools"] = tools
    return entry


def valid_room(rng: random.Random, index: int) -> dict[str, Any]:
    room: dict[str, Any] = {
        "participants": [participant(rng, "alice"), participant(rng, "bob")]
    }
    if rng.random() < 0.5:
        room["description"] = f"Fuzz room {index} {rng.randrange(10**6)}"
    if rng.random() < 0.4:
        room["duration"] = rng.randrange(60, 86401)
    if rng.random() < 0.2:
        room["recording"] = True
        room["recording_type"] = rng.choice(["automatic", "manual"])
    if rng.random() < 0.2:
        room["call_type"] = rng.choice(["audio_only", "audio_upgradable"])
    if rng.random() < 0.1:
        room["initiator_alias"] = "alice"
    if rng.random() < 0.1:
        room["prevent_destroy"] = True
    return room


def valid_room_file(rng: random.Random) -> dict[str, Any]:
    rooms = {f"fz-{i}-{rng.randrange(1000)}": valid_room(rng, i) for i in range(3)}
    document: dict[str, Any] = {"rooms": rooms}
    if rng.random() < 0.3:
        document["defaults"] = {"call_type": "audio_video", "recording": False}
    if rng.random() < 0.2:
        document["users"] = {"fz-user": {"role": "basic", "language": "en"}}
    if rng.random() < 0.2:
        document["external_users"] = ["fz-desk"]
    if rng.random() < 0.1:
        document["moved"] = [{"from": "old-name", "to": next(iter(rooms))}]
    if rng.random() < 0.1:
        document["import"] = [{"to": next(iter(rooms)), "id": "room_abc"}]
    if rng.random() < 0.1:
        document["removed"] = [{"name": "gone-room"}]
    return document


def _containers(node: Any, found: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        found.append(node)
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            _containers(child, found)
    return found


def mutate_tree(rng: random.Random, document: Any, keys: tuple[str, ...]) -> Any:
    """A structural change somewhere in `document` (mutated in place)."""
    target = rng.choice(_containers(document, []) or [document])
    if isinstance(target, list):
        if target and rng.random() < 0.5:
            target[rng.randrange(len(target))] = value(rng)
        elif target and rng.random() < 0.5:
            target.append(target[0])  # a duplicate entry
        else:
            target.append(value(rng))
        return document
    if not isinstance(target, dict):
        return value(rng)
    roll = rng.random()
    if target and roll < 0.35:
        target[rng.choice(list(target))] = value(rng)
    elif target and roll < 0.55:
        del target[rng.choice(list(target))]
    elif roll < 0.8:
        target[rng.choice(keys)] = value(rng)
    else:
        target[str(scalar(rng))] = value(rng)
    return document


def dump(rng: random.Random, document: Any) -> str:
    flow = rng.choice([False, None, True])
    try:
        return yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    except yaml.YAMLError:
        return json.dumps(document, default=str)


def _replace_scalar(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    spots = [i for i, line in enumerate(lines) if ": " in line]
    if not spots:
        return text + "\n" + rng.choice(YAML_TEXT_SNIPPETS)
    i = rng.choice(spots)
    lines[i] = lines[i].split(": ", 1)[0] + ": " + rng.choice(YAML_TEXT_SNIPPETS)
    return "\n".join(lines) + "\n"


def _duplicate_line(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    if not lines:
        return text
    i = rng.randrange(len(lines))
    return "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]) + "\n"


def _tabs(rng: random.Random, text: str) -> str:
    return text.replace("  ", "\t", rng.randrange(1, 4))


def _nesting(rng: random.Random, text: str) -> str:
    depth = rng.choice([40, 400, 4000])
    return text + "deep: " + "[" * depth + "]" * depth + "\n"


def _anchors(rng: random.Random, text: str) -> str:
    fanout = rng.randrange(2, 8)
    levels = rng.randrange(2, 6)
    lines = ["a0: &a0 [x, y]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * fanout)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"merged:\n  <<: {{k: *a{levels - 1}}}")
    return "\n".join(lines) + "\n" + text


def _documents(rng: random.Random, text: str) -> str:
    return text + "---\n" + rng.choice(["rooms: {}", "- a\n- b", "", "..."]) + "\n"


def _truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


TEXT_MUTATIONS: tuple[Callable[[random.Random, str], str], ...] = (
    _replace_scalar,
    _duplicate_line,
    _tabs,
    _nesting,
    _anchors,
    _documents,
    _truncate,
)


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """A byte-level change: flips, NUL, invalid UTF-8, BOM, CR ends."""
    roll = rng.randrange(7)
    if roll == 0 and data:
        buf = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    if roll == 1:
        spot = rng.randrange(len(data) + 1)
        return (
            data[:spot] + rng.choice([b"\x00", b"\xff\xfe", b"\xc3\x28"]) + data[spot:]
        )
    if roll == 2:
        return b"\xef\xbb\xbf" + data
    if roll == 3:
        return data.replace(b"\n", rng.choice([b"\r\n", b"\r"]))
    if roll == 4:
        return data.decode("utf-8", "replace").encode("utf-16")
    if roll == 5:
        return rng.randbytes(rng.randrange(1, 300))
    return rng.choice(
        [b"", b"# only a comment\n", b"---\n", b"null\n", b"[]\n", b"42\n"]
    )


def yaml_case(rng: random.Random, document: Any, keys: tuple[str, ...]) -> bytes:
    """`document` mutated, dumped, and maybe mutated as text and as bytes."""
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
        document = mutate_tree(rng, document, keys)
    text = dump(rng, document)
    if rng.random() < 0.35:
        text = rng.choice(TEXT_MUTATIONS)(rng, text)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = mutate_bytes(rng, data)
    return data


def room_file(rng: random.Random) -> bytes:
    keys = (*ROOM_KEYS, "rooms", "users", "defaults", "moved", "import", "removed")
    return yaml_case(rng, valid_room_file(rng), keys)


def settings_document(rng: random.Random) -> dict[str, Any]:
    document: dict[str, Any] = {"rooms": "rooms/", "state": "rooms.state.json"}
    if rng.random() < 0.4:
        document["api"] = {"environment": "sandbox", "region": "eu"}
    if rng.random() < 0.3:
        document["max_delete_percent"] = rng.randrange(0, 101)
    if rng.random() < 0.2:
        document["on_replace"] = rng.choice(["disable", "delete"])
    return document


def settings_file(rng: random.Random) -> bytes:
    return yaml_case(rng, settings_document(rng), SETTINGS_KEYS)


def json_case(rng: random.Random, document: Any, keys: tuple[str, ...]) -> bytes:
    """Arbitrary bytes, or `document` mutated structurally, as JSON."""
    if rng.random() < 0.3:
        return rng.randbytes(rng.randrange(0, 400))
    for _ in range(rng.choice([1, 1, 2, 3, 6])):
        document = mutate_tree(rng, document, keys)
    text = json.dumps(document)
    if rng.random() < 0.2:
        text = text[: rng.randrange(len(text) + 1)]
    data = text.encode()
    return mutate_bytes(rng, data) if rng.random() < 0.1 else data
