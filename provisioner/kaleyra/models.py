"""What the API answers, as frozen dataclasses, and the parsers that build them.

Join URLs are bearer secrets: every field that can hold one is left out of
``repr`` so that logging a result never prints a link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class ShapeError(ValueError):
    """A success answer lacks the documented shape (names keys, never values)."""


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
    room = _member(body, "room")
    return CreatedRoom(_text(room, "room_id"), _urls(room), dict(room))


def parse_info(body: Any) -> RoomInfo:
    room = _member(body, "room")
    return RoomInfo(
        room_id=_text(room, "room_id"),
        description=_optional_text(room, "description"),
        call_type=_text(room, "call_type"),
        status=_text(room, "status"),
        disabled=_flag(room, "disabled"),
        record=_flag(room, "record"),
        live=_flag(room, "live"),
        duration=_count(room, "duration"),
        urls=_urls(room),
        raw=dict(room),
    )


def parse_page(body: Any, skip: int = 0, limit: int = 100) -> RoomPage:
    """A list page; ``skip`` and ``limit`` are what was asked for."""
    page = _mapping(body, "body")
    rooms = [_summary(_mapping(r, "rooms[]")) for r in _items(page, "rooms")]
    return RoomPage(rooms, _has_more(page, len(rooms), skip, limit))


def _has_more(page: Mapping[str, Any], listed: int, skip: int, limit: int) -> bool:
    """``has_more`` as sent; without it, judged from ``count`` and a full page.

    [ASSUMED] A server may leave ``has_more`` out: ``count`` (read as the total)
    beyond this page, or a page as full as its limit, means another page may
    follow. Asking once too often costs one empty page; stopping early could
    hide the room of a lost create.
    """
    if isinstance(page.get("has_more"), bool):
        return bool(page["has_more"])
    count = page.get("count")
    if isinstance(count, int) and count > skip + listed:
        return True
    served = page.get("limit")
    full = served if isinstance(served, int) and 0 < served <= limit else limit
    return listed > 0 and listed >= full


def parse_user(body: Any) -> UserInfo:
    user = _member(body, "user")
    can_video = user.get("can_video", True)
    if not isinstance(can_video, bool):
        raise ShapeError("user.can_video: expected a boolean")
    return UserInfo(
        _text(user, "id"),
        _text(user, "role"),
        can_video,
        _optional_text(user, "language"),
    )


def parse_user_ids(body: Any) -> list[str]:
    ids = _items(_mapping(body, "body"), "user_id_list")
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
        created = parse_timestamp(_text(room, "creationDate"))
    except ValueError:
        raise ShapeError("rooms[].creationDate: expected an ISO-8601 time") from None
    return RoomSummary(
        room_id=_text(room, "room_id"),
        description=_optional_text(room, "description"),
        call_type=_text(room, "call_type"),
        status=_text(room, "status"),
        disabled=_flag(room, "disabled"),
        created_at=created,
    )


def _urls(room: Mapping[str, Any]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for entry in _items(room, "user_urls"):
        item = _mapping(entry, "user_urls[]")
        urls[_text(item, "user")] = _text(item, "url")
    return urls


def _member(body: Any, key: str) -> Mapping[str, Any]:
    return _mapping(_mapping(body, "body").get(key), key)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ShapeError(f"{where}: expected an object")
    return value


# Absent and null mean the same: "no value" (a disabled room's links, say).
def _items(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{key}: expected a list")
    return value


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ShapeError(f"{key}: expected a string")
    return value


def _optional_text(obj: Mapping[str, Any], key: str) -> str | None:
    return None if obj.get(key) is None else _text(obj, key)


def _flag(obj: Mapping[str, Any], key: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ShapeError(f"{key}: expected a boolean")
    return value


def _count(obj: Mapping[str, Any], key: str) -> int:
    value = obj.get(key) or 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON does not tell 3600 from 3600.0
    if not isinstance(value, int) or isinstance(value, bool):
        raise ShapeError(f"{key}: expected an integer")
    return value
