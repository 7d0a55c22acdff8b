"""The Kaleyra API's rules as data: the single source for the schema and the requests.

Everything the API says about a Create Room body, a participant, its tools and a
user lives here once. `schema.py` turns it into JSON Schema, `model.py` into the
canonical request. Nothing else restates these rules by hand. The emulator keeps
its own independent checks on purpose, so a mistake here is caught by the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Literal

FieldType = Literal["boolean", "integer", "string", "object", "number"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()
"""Marks a field that has no default (the API leaves it out)."""


@dataclass(frozen=True)
class Field:
    """One key of a YAML mapping, and the API key it is sent as."""

    name: str
    type: FieldType
    description: str
    api_key: str = ""
    default: Any = UNSET
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    required: bool = False

    @property
    def sent_as(self) -> str:
        """The key the API expects (camelCase for two room fields)."""
        return self.api_key or self.name


USER_ID_PATTERN: Final = r"^[A-Za-z0-9._-]{1,128}$"
ROOM_NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{0,62}$"
ROOM_NAME_WORDS: Final = (
    "lowercase letters, digits and dashes, starting with a letter or digit, "
    "at most 63 characters"
)
ROOM_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,128}$"
PARTICIPANTS_MIN: Final = 2
PARTICIPANTS_MAX: Final = 25
PLUS_ROLE: Final = "plus"
PARTICIPANTS_DESCRIPTION: Final = (
    "The users who may join, each with their own join link: "
    f"{PARTICIPANTS_MIN} to {PARTICIPANTS_MAX} of them, user ids unique, "
    f"at least one whose role is {PLUS_ROLE}."
)

ROOM_FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "description",
        "string",
        "Free text. Defaults to the room name; must be unique across the estate "
        "(it identifies the room on the API when a create's answer is lost).",
    ),
    Field(
        "duration",
        "integer",
        "Effective calling time in seconds (time with at least two users "
        "connected). Unlimited when left out.",
        minimum=60,
        maximum=86400,
    ),
    Field("recording", "boolean", "Record the room.", default=False),
    Field(
        "recording_type",
        "string",
        "How recording starts: automatically, or when an admin starts it.",
        default="automatic",
        enum=("automatic", "manual"),
    ),
    Field(
        "call_type",
        "string",
        "Media of the call.",
        default="audio_video",
        enum=("audio_only", "audio_upgradable", "audio_video"),
    ),
    Field(
        "live",
        "boolean",
        "Links make clients ring and fire the on_call_incoming webhook.",
        default=False,
    ),
    Field(
        "direct_call",
        "boolean",
        "The link skips the landing page and enters the call directly.",
        api_key="directCall",
        default=False,
    ),
    Field(
        "initiator_alias",
        "string",
        "The room creator's alias: one of the room's participants.",
        api_key="initiatorAlias",
        pattern=USER_ID_PATTERN,
    ),
    Field(
        "call_action",
        "object",
        "A call action that starts the ring phase; passed through as given "
        "(its shape is not published).",
    ),
)

PROVISIONER_ROOM_FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "prevent_destroy",
        "boolean",
        "Provisioner-level: never delete or replace this room without "
        "--allow-replace / --allow-deletes. Not sent to the API.",
        default=False,
    ),
)

PARTICIPANT_FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "user_id",
        "string",
        "An existing user of the company (declared in users: or external_users:).",
        pattern=USER_ID_PATTERN,
        required=True,
    ),
    Field(
        "is_admin",
        "boolean",
        "Admins can drive features for others (e.g. start manual recording).",
        default=False,
    ),
)

TOOLS: Final[tuple[str, ...]] = (
    "chat",
    "screen_sharing",
    "file_upload",
    "snapshot",
    "live_edit",
    "live_pointer",
    "present_to_everyone",
)
WHITEBOARD: Final = "whiteboard"
WHITEBOARD_TOOLS: Final[tuple[str, ...]] = (
    "wb_add_file",
    "wb_cursor",
    "wb_text",
    "wb_shape",
    "wb_pen",
    "wb_eraser",
)
TOOLS_DESCRIPTION: Final = (
    "Tools this participant may use. Left out: every tool enabled. Given: the "
    "named tools as set, every other tool disabled ({} disables all)."
)
WHITEBOARD_DESCRIPTION: Final = (
    "true/false for the whole whiteboard, or an object of its sub-tools "
    "(unnamed sub-tools disabled)."
)

USER_FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "role",
        "string",
        "basic users can join rooms; plus users can create and join them. "
        "Every room needs a plus participant.",
        enum=("basic", PLUS_ROLE),
        required=True,
    ),
    Field("can_video", "boolean", "The user may use video.", default=True),
    Field(
        "language",
        "string",
        "Language of the user's interface.",
        enum=("en", "it", "de", "fr", "pl"),
    ),
)


@dataclass(frozen=True)
class EntrySection:
    """A file-level list of entries that change the state, reviewed like a room."""

    name: str
    description: str
    fields: tuple[Field, ...]


def _room_name(name: str, description: str) -> Field:
    return Field(name, "string", description, pattern=ROOM_NAME_PATTERN, required=True)


ENTRY_SECTIONS: Final[tuple[EntrySection, ...]] = (
    EntrySection(
        "moved",
        "Renamed rooms: the room of `from` in the state becomes `to`, with the "
        "same room id and the same join links. Chains (a -> b, b -> c) resolve.",
        (
            _room_name("from", "The old name: no longer defined in any room file."),
            _room_name("to", "The new name: defined in a room file."),
        ),
    ),
    EntrySection(
        "import",
        "Rooms that exist on the API, adopted into the state under a name "
        "defined in a room file (read back with room/info; no room is created).",
        (
            _room_name("to", "The name the room gets: defined in a room file."),
            Field(
                "id",
                "string",
                "The room id on the API (room_...).",
                pattern=ROOM_ID_PATTERN,
                required=True,
            ),
        ),
    ),
    EntrySection(
        "removed",
        "Rooms to forget: dropped from the state and left on the API, their "
        "links still working (instead of being deleted).",
        (_room_name("name", "The room's name: no longer defined in any room file."),),
    ),
)


class RoomStatus(StrEnum):
    """A room's `status` in room/info and the room list."""

    NOT_RUNNING = "NOT_RUNNING"
    RUNNING = "RUNNING"  # a call is in progress
    CLOSED = "CLOSED"  # deleted or ended (the reference's reading)


ON_REPLACE_ACTIONS: Final = ("disable", "delete")
DEFAULT_ON_REPLACE: Final = "disable"
DEFAULT_MAX_DELETE_PERCENT: Final = 25
DEFAULT_MAX_REPLACE_PERCENT: Final = 25
DEFAULT_MAX_DRIFT_PERCENT: Final = 50
MIN_MANAGED_FOR_LIMITS: Final = 4
"""The percentage limits apply only when the state holds at least this many rooms."""

DEFAULT_RETRY_BUDGET_SECONDS: Final = 900

SANDBOX: Final = "sandbox"
ENVIRONMENTS: Final = (SANDBOX, "production")
REGIONS: Final = ("eu", "in", "us", "me")
SANDBOX_REGIONS: Final = ("eu",)

SETTINGS_FIELDS: Final[tuple[Field, ...]] = (
    Field("rooms", "string", "Folder of room definitions.", default="rooms/"),
    Field(
        "state",
        "string",
        "State location: a file path, or postgresql://user@host/db?workspace=NAME "
        "for the shared backend (no password: PGPASSWORD or ~/.pgpass). "
        "PROVISIONER_STATE overrides it.",
        default="rooms.state.json",
    ),
    Field(
        "on_replace",
        "string",
        "What happens to the old room when a room is replaced.",
        default=DEFAULT_ON_REPLACE,
        enum=ON_REPLACE_ACTIONS,
    ),
    Field(
        "max_delete_percent",
        "integer",
        "Refuse a plan that deletes more than this share of managed rooms "
        "(when state holds at least 4), unless --allow-deletes.",
        default=DEFAULT_MAX_DELETE_PERCENT,
        minimum=0,
        maximum=100,
    ),
    Field(
        "max_replace_percent",
        "integer",
        "Refuse a plan that replaces more than this share of managed rooms "
        "(each replace issues new links for every participant; when state holds "
        "at least 4), unless --allow-replace.",
        default=DEFAULT_MAX_REPLACE_PERCENT,
        minimum=0,
        maximum=100,
    ),
    Field(
        "max_drift_percent",
        "integer",
        "Refuse to re-create rooms when refresh finds more than this share of "
        "managed rooms gone (a wrong key or address looks like that; when state "
        "holds at least 4), unless --allow-drift.",
        default=DEFAULT_MAX_DRIFT_PERCENT,
        minimum=0,
        maximum=100,
    ),
    Field(
        "prune_users",
        "boolean",
        "Delete users removed from the files (otherwise they are only forgotten).",
        default=False,
    ),
    Field(
        "state_history_keep",
        "integer",
        "Versions of the state the shared (postgresql://) backend keeps.",
        default=100,
        minimum=1,
    ),
    Field(
        "lock_lease_seconds",
        "integer",
        "The shared backend's lock lease: a dead holder's lock expires after "
        "this many seconds.",
        default=60,
        minimum=1,
    ),
)

API_SETTINGS_FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "environment",
        "string",
        "Kaleyra environment.",
        default=SANDBOX,
        enum=ENVIRONMENTS,
    ),
    Field(
        "region",
        "string",
        "Kaleyra region (the sandbox exists only in eu).",
        default="eu",
        enum=REGIONS,
    ),
    Field(
        "url",
        "string",
        "Explicit base URL (e.g. the local emulator); overrides environment and "
        "region. KALEYRA_API_URL overrides this.",
    ),
    Field(
        "retry_budget_seconds",
        "integer",
        "The most one API operation may spend waiting to retry (429s wait "
        "without using up the attempts 5xx and connection errors get).",
        default=DEFAULT_RETRY_BUDGET_SECONDS,
        minimum=0,
        maximum=86400,
    ),
)


def room_field(name: str) -> Field:
    """The room field called `name` (API or provisioner-level)."""
    for field in ROOM_FIELDS + PROVISIONER_ROOM_FIELDS:
        if field.name == name:
            return field
    raise KeyError(name)


def room_name_fault(name: str) -> str | None:
    """Why `name` cannot name a room; None when it can."""
    if re.fullmatch(ROOM_NAME_PATTERN, name, re.ASCII):
        return None
    return f"{name!r} is not a valid room name ({ROOM_NAME_WORDS})"
