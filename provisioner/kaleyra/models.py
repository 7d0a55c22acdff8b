"""What the API answers, as frozen dataclasses, and the parsers that build them.

Join URLs are bearer secrets: every field that can hold one is left out of
``repr`` so that logging a result never prints a link. They are also opaque:
nothing here reads their path, and the links of record are the create
answer's (room/info's example shows another path and token length).
Each field is read through ``reading.py``, the tolerant reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from provisioner.kaleyra.reading import (
    ShapeError,
    count,
    flag,
    items,
    mapping,
    member,
    optional_count,
    optional_flag,
    optional_text,
    text,
)

__all__ = [
    "CreatedRoom",
    "RoomInfo",
    "RoomPage",
    "RoomSummary",
    "ShapeError",
    "UserInfo",
    "parse_created",
    "parse_info",
    "parse_page",
    "parse_probe",
    "parse_timestamp",
    "parse_user",
    "parse_user_ids",
]


@dataclass(frozen=True)
class CreatedRoom:
    """A room just created: its id and each participant's join URL."""

    room_id: str
    urls: dict[str, str] = field(repr=False)  # user_id -> join url
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class RoomInfo:
    """One room read back from the API."""

    room_id: str
    description: str | None
    call_type: str
    status: str  # NOT_RUNNING | RUNNING | CLOSED
    disabled: bool
    record: bool
    live: bool
    duration: int  # seconds, 0 = unlimited
    urls: dict[str, str] = field(repr=False)
    raw: dict[str, Any] = field(repr=False)
    direct_call: bool | None = None  # not documented in room/info: None if absent


@dataclass(frozen=True)
class RoomSummary:
    """One entry of the room list."""

    room_id: str
    description: str | None
    call_type: str
    status: str
    disabled: bool
    created_at: datetime  # tz-aware UTC


@dataclass(frozen=True)
class RoomPage:
    """One page of the room list, newest first."""

    rooms: list[RoomSummary]
    has_more: bool


@dataclass(frozen=True)
class UserInfo:
    """A Kaleyra user."""

    user_id: str
    role: str
    can_video: bool
    language: str | None


def parse_created(body: Any) -> CreatedRoom:
    """The create answer; its ``recording_type`` and ``record`` are not read
    (the reference's create example has no ``recording_type``)."""
    room = member(body, "room")
    return CreatedRoom(text(room, "room_id"), _urls(room), dict(room))


def parse_info(body: Any) -> RoomInfo:
    room = member(body, "room")
    return RoomInfo(
        room_id=text(room, "room_id"),
        description=optional_text(room, "description"),
        call_type=text(room, "call_type"),
        status=text(room, "status"),
        disabled=flag(room, "disabled"),
        record=flag(room, "record"),
        live=flag(room, "live"),
        duration=count(room, "duration"),
        urls=_urls(room),
        raw=dict(room),
        direct_call=optional_flag(room, "directCall"),
    )


def parse_page(body: Any, skip: int = 0, limit: int = 100) -> RoomPage:
    """A list page; ``skip`` and ``limit`` are what was asked for."""
    page = mapping(body, "body")
    rooms = [_summary(mapping(r, "rooms[]")) for r in items(page, "rooms")]
    return RoomPage(rooms, _has_more(page, len(rooms), limit))


def parse_probe(body: Any) -> RoomPage:
    """A list page that must hold ``rooms``: proof that the API answered."""
    if not isinstance(mapping(body, "body").get("rooms"), list):
        raise ShapeError("rooms: expected a list")
    return parse_page(body, 0, 1)


def _has_more(page: Mapping[str, Any], listed: int, limit: int) -> bool:
    """Whether another page may follow.

    The reference: "The list's `count` is the number of rooms on the page, not
    a total. Page on `has_more`, else on full pages." So ``count`` is never
    read; without a readable ``has_more``, a page as full as its limit (the
    server's, when it serves fewer than asked) may be followed by another,
    and a shorter one ends the list. Asking once too often costs one empty
    page; stopping early could hide the room of a lost create.
    """
    try:
        more = optional_flag(page, "has_more")
    except ShapeError:
        more = None
    if more is not None:
        return more
    served = optional_count(page, "limit")
    full = served if served is not None and 0 < served <= limit else limit
    return listed > 0 and listed >= full


def parse_user(body: Any) -> UserInfo:
    user = member(body, "user")
    return UserInfo(
        text(user, "id"),
        text(user, "role"),
        flag(user, "can_video", default=True),
        optional_text(user, "language"),
    )


def parse_user_ids(body: Any) -> list[str]:
    ids = items(mapping(body, "body"), "user_id_list")
    if not all(isinstance(i, str) for i in ids):
        raise ShapeError("user_id_list: expected strings")
    return list(ids)


def parse_timestamp(value: str) -> datetime:
    """ISO-8601 (``Z`` or an offset) as an aware UTC datetime; naive means UTC."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _summary(room: Mapping[str, Any]) -> RoomSummary:
    try:
        created = parse_timestamp(text(room, "creationDate"))
    except ValueError:
        raise ShapeError("rooms[].creationDate: expected an ISO-8601 time") from None
    return RoomSummary(
        room_id=text(room, "room_id"),
        description=optional_text(room, "description"),
        call_type=text(room, "call_type"),
        status=text(room, "status"),
        disabled=flag(room, "disabled"),
        created_at=created,
    )


def _urls(room: Mapping[str, Any]) -> dict[str, str]:
    """Each participant's join link, kept whole and never looked into."""
    urls: dict[str, str] = {}
    for entry in items(room, "user_urls"):
        item = mapping(entry, "user_urls[]")
        urls[text(item, "user")] = text(item, "url")
    return urls
