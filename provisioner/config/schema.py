"""The API rules as JSON Schema (2020-12), generated from `rules.py` and nothing else.

Two schemas: one for room files (`schemas/rooms.schema.json`) and one for
`provisioner.yaml` (`schemas/provisioner.schema.json`). Editors use the
committed files for completion and help; `validate` uses the same dicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from provisioner import rules
from provisioner.errors import ProvisionerError
from provisioner.rules import UNSET, Field

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ROOMS_SCHEMA_FILE = Path("schemas/rooms.schema.json")
SETTINGS_SCHEMA_FILE = Path("schemas/provisioner.schema.json")

Schema = dict[str, Any]

EMPTY_OR_OBJECT = ["object", "null"]
"""A whole file: a mapping, or nothing at all (empty, or comments only, as
`init` writes it), which YAML reads as null."""

# Titles name the kind of text a pattern accepts, for messages and editors.
_PATTERN_TITLES = {
    rules.USER_ID_PATTERN: "user id",
    rules.ROOM_NAME_PATTERN: "room name",
    rules.ROOM_ID_PATTERN: "room id",
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def field_schema(spec: Field) -> Schema:
    """One rules.Field as a JSON Schema property."""
    schema: Schema = {"type": spec.type, "description": spec.description}
    if spec.default is not UNSET:
        schema["default"] = spec.default
    if spec.enum:
        schema["enum"] = list(spec.enum)
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    if spec.pattern is not None:
        schema["pattern"] = spec.pattern
        schema["title"] = _PATTERN_TITLES.get(spec.pattern, "text")
    return schema


def _closed_object(
    fields: Iterable[Field], description: str, extra: Schema | None = None
) -> Schema:
    """An object holding exactly `fields` (plus `extra` properties)."""
    fields = tuple(fields)
    properties = {spec.name: field_schema(spec) for spec in fields}
    properties.update(extra or {})
    schema: Schema = {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "properties": properties,
    }
    required = [spec.name for spec in fields if spec.required]
    if required:
        schema["required"] = required
    return schema


def _tool(name: str) -> Schema:
    return {
        "type": "boolean",
        "default": False,
        "description": f"Allow {name.replace('_', ' ')}.",
    }


def _tools() -> Schema:
    whiteboard = {
        "type": ["boolean", "object"],
        "default": False,
        "description": rules.WHITEBOARD_DESCRIPTION,
        "additionalProperties": False,
        "properties": {tool: _tool(tool) for tool in rules.WHITEBOARD_TOOLS},
    }
    properties = {tool: _tool(tool) for tool in rules.TOOLS}
    properties[rules.WHITEBOARD] = whiteboard
    return {
        "type": "object",
        "description": rules.TOOLS_DESCRIPTION,
        "additionalProperties": False,
        "properties": properties,
    }


def _participants() -> Schema:
    return {
        "type": "array",
        "title": "participants",
        "description": rules.PARTICIPANTS_DESCRIPTION,
        "minItems": rules.PARTICIPANTS_MIN,
        "maxItems": rules.PARTICIPANTS_MAX,
        "items": _ref("participant"),
    }


def _room_fields_comment() -> str:
    api = ", ".join(spec.name for spec in rules.ROOM_FIELDS)
    ours = ", ".join(spec.name for spec in rules.PROVISIONER_ROOM_FIELDS)
    return (
        f"API fields: participants, {api}. "
        f"Provisioner-level fields (never sent to the API): {ours}."
    )


def _room() -> Schema:
    room = _closed_object(
        rules.ROOM_FIELDS + rules.PROVISIONER_ROOM_FIELDS,
        "One room: the Create Room request, plus provisioner-level keys.",
        {"participants": _participants()},
    )
    room["required"] = ["participants"]
    room["$comment"] = _room_fields_comment()
    return room


def _defaults() -> Schema:
    defaults = _closed_object(
        rules.ROOM_FIELDS + rules.PROVISIONER_ROOM_FIELDS,
        "Room fields merged under every room of this file (shallow: a key set "
        "in a room replaces the default's whole value).",
        {
            "participants": {
                "not": {},
                "description": "not allowed in defaults: each room lists its "
                "own participants",
            }
        },
    )
    defaults["$comment"] = _room_fields_comment()
    return defaults


def _named(kind: str, pattern: str, description: str) -> Schema:
    return {
        "type": "object",
        "description": description,
        "propertyNames": {"title": _PATTERN_TITLES[pattern], "pattern": pattern},
        "additionalProperties": _ref(kind),
    }


def _file_sections() -> Schema:
    user_id = {"type": "string", "title": "user id", "pattern": rules.USER_ID_PATTERN}
    return {
        "defaults": _ref("defaults"),
        "users": _named(
            "user",
            rules.USER_ID_PATTERN,
            "Users this repository manages (created or updated by apply), "
            "keyed by user id.",
        ),
        "external_users": {
            "type": "array",
            "description": "Users that already exist in Kaleyra and are not "
            "managed here.",
            "items": user_id,
        },
        "rooms": _named(
            "room",
            rules.ROOM_NAME_PATTERN,
            "Rooms keyed by name: the stable identity of a room in state.",
        ),
        **{
            section.name: {
                "type": "array",
                "description": section.description,
                "items": _ref(f"{section.name}_entry"),
            }
            for section in rules.ENTRY_SECTIONS
        },
    }


def _entries() -> Schema:
    return {
        f"{section.name}_entry": _closed_object(
            section.fields, f"One {section.name}: entry."
        )
        for section in rules.ENTRY_SECTIONS
    }


@cache
def rooms_schema() -> Schema:
    """The schema of a room file."""
    return {
        "$schema": DIALECT,
        "title": "provisioner room file",
        "description": "Kaleyra Video rooms as code: rooms keyed by name, "
        "optional file defaults, managed users and external users, and the "
        "moved, import and removed entries that change the state.",
        "type": EMPTY_OR_OBJECT,
        "additionalProperties": False,
        "properties": _file_sections(),
        "$defs": {
            "room": _room(),
            "defaults": _defaults(),
            "participant": _closed_object(
                rules.PARTICIPANT_FIELDS,
                "A user invited to the room.",
                {"tools": _ref("tools")},
            ),
            "tools": _tools(),
            "user": _closed_object(rules.USER_FIELDS, "A user managed here."),
            **_entries(),
        },
    }


def _api_settings() -> Schema:
    api = _closed_object(rules.API_SETTINGS_FIELDS, "Which Kaleyra API to talk to.")
    regions = ", ".join(rules.SANDBOX_REGIONS)
    api["if"] = {"properties": {"environment": {"const": rules.SANDBOX}}}
    api["then"] = {
        "properties": {
            "region": {
                "enum": list(rules.SANDBOX_REGIONS),
                "$comment": f"the {rules.SANDBOX} exists only in {regions}",
            }
        }
    }
    return api


@cache
def settings_schema() -> Schema:
    """The schema of provisioner.yaml."""
    schema = _closed_object(
        rules.SETTINGS_FIELDS,
        "provisioner.yaml: where the rooms and the state are, and safety settings.",
        {"api": _api_settings()},
    )
    schema["type"] = EMPTY_OR_OBJECT
    return {"$schema": DIALECT, "title": "provisioner settings", **schema}


SCHEMA_FILES: dict[Path, Callable[[], Schema]] = {
    ROOMS_SCHEMA_FILE: rooms_schema,
    SETTINGS_SCHEMA_FILE: settings_schema,
}


def render(schema: Schema) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_files(root: Path) -> list[Path]:
    """Write every schema file under `root`; returns the paths written."""
    written = []
    for relative, make in SCHEMA_FILES.items():
        path = root / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(make()), encoding="utf-8")
        except OSError as exc:
            raise ProvisionerError(f"{path}: cannot write: {exc.strerror}") from exc
        written.append(path)
    return written


def stale_files(root: Path) -> list[tuple[Path, str]]:
    """Schema files under `root` that are missing or differ from the rules."""
    stale = []
    for relative, make in SCHEMA_FILES.items():
        path = root / relative
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            stale.append((path, "missing"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            stale.append((path, f"unreadable ({exc})"))
            continue
        if current != render(make()):
            stale.append((path, "stale (it differs from the rules)"))
    return stale
