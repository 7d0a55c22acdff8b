"""The JSON the API answers with, built from the store's records.

Where the flavours differ, the answer asks the dialect (see dialect.py).
"""

from __future__ import annotations

import copy
from typing import Any

from provisioner.emulator import contract as c
from provisioner.emulator.dialect import Dialect
from provisioner.emulator.store import Link, Room, User


def link_url(room: Room, link: Link) -> str:
    direct = room.request.get("directCall", False)
    handler = c.DIRECT_LINK_HANDLER if direct else c.LINK_HANDLER
    return f"{c.LINK_BASE}/{handler}/{link.token}"


def info_url(room: Room, link: Link, dialect: Dialect) -> str:
    """The link room/info shows: the create link, or the dialect's other one."""
    if dialect.info_link_base is None or link.attach is None:
        return link_url(room, link)
    return f"{dialect.info_link_base}/{link.attach}"


def created(room: Room, dialect: Dialect) -> dict[str, Any]:
    """``POST /rest/room/create``: the room with every link and resolved tools."""
    settings = room.request
    body: dict[str, Any] = {
        "room": {
            "room_id": room.room_id,
            "record": dialect.record(settings["recording"]),
            "recording_type": settings["recording_type"],
            "duration": settings.get("duration", 0),
            "directCall": settings["directCall"],
            "call_type": settings["call_type"],
            "live": settings["live"],
            "description": settings.get("description"),
            "user_urls": [
                {
                    "user": link.user,
                    "url": link_url(room, link),
                    "is_admin": link.is_admin,
                    "tools": link.tools,
                }
                for link in room.links
            ],
        }
    }
    if not dialect.create_shows_recording_type:
        del body["room"]["recording_type"]
    return body


def info(room: Room, dialect: Dialect) -> dict[str, Any]:
    """``GET /rest/room/info``: a disabled (or deleted) room shows no links."""
    settings = room.request
    body: dict[str, Any] = {
        "room_id": room.room_id,
        "record": dialect.record(settings["recording"]),
        "duration": settings.get("duration", 0),
        "durationUsed": room.duration_used,
        "call_type": settings["call_type"],
        "live": settings["live"],
        "description": settings.get("description"),
        "status": room.shown_status,
        **copy.deepcopy(dict(dialect.info_extras)),
    }
    _disabled_flag(body, room)
    body["user_urls"] = [
        {"user": link.user, "url": info_url(room, link, dialect)}
        for link in room.links
        if room.usable and not (link.revoked and c.REVOKED_LINKS_LEAVE_INFO)
    ]
    return {"room": body}


def summary(room: Room) -> dict[str, Any]:
    """One entry of ``GET /rest/room/list``."""
    settings = room.request
    body: dict[str, Any] = {
        "room_id": room.room_id,
        "record": settings["recording"],
        "call_type": settings["call_type"],
        "live": settings["live"],
        "description": settings.get("description"),
        "status": room.status,
        "creationDate": room.created_at,
    }
    _disabled_flag(body, room)
    return body


def page(rooms: list[Room], skip: int, limit: int, total: int) -> dict[str, Any]:
    return {
        "skip": skip,
        "limit": limit,
        "has_more": skip + limit < total,
        "count": len(rooms) if c.LIST_COUNT_IS_PAGE_SIZE else total,
        "rooms": [summary(room) for room in rooms],
    }


def user(record: User) -> dict[str, Any]:
    return {
        "user": {
            "id": record.id,
            "role": record.role,
            "can_video": record.can_video,
            "language": record.language,
            "creation_date": record.creation_date,
        }
    }


def room_done(room: Room, message: str) -> dict[str, Any]:
    return {"room": {"room_id": room.room_id, "message": message}}


def audit(room: Room) -> dict[str, Any]:
    """A room as ``/_emulator/stats`` shows it: what was asked, what became of it."""
    return {
        "room_id": room.room_id,
        "description": room.request.get("description"),
        "created_at": room.created_at,
        "status": room.status,
        "disabled": room.disabled,
        "deleted": room.deleted,
        "request": room.request,
        "received": room.received,
        "participants": [
            {
                "user_id": link.user,
                "is_admin": link.is_admin,
                "tools": link.tools,
                "revoked": link.revoked,
            }
            for link in room.links
        ],
    }


def _disabled_flag(body: dict[str, Any], room: Room) -> None:
    if room.disabled or not c.INFO_OMITS_ENABLED_FLAG:
        body["disabled"] = room.disabled
