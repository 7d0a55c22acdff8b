"""Field-by-field checks of request bodies, as the API's 422 answers make them.

Each check names the offending field in its message, e.g.
``participants[1].tools.chat: expected true or false``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from provisioner.emulator import contract as c
from provisioner.emulator.problems import invalid

_MISSING: Any = object()


def room_request(body: object) -> dict[str, Any]:
    """The create-room body checked, with the API defaults filled in."""
    obj = _object(body, "body", "body")
    _only(obj, c.ROOM_KEYS, "body")
    request: dict[str, Any] = dict(c.ROOM_DEFAULTS)
    request["participants"] = _participants(obj.get("participants", _MISSING))
    for key in ("recording", "live", "directCall"):
        if key in obj:
            request[key] = _bool(obj[key], key, key)
    _enum_into(request, obj, "recording_type", c.RECORDING_TYPES)
    _enum_into(request, obj, "call_type", c.CALL_TYPES)
    if "duration" in obj:
        request["duration"] = _duration(obj["duration"])
    if "description" in obj:
        request["description"] = _text(obj["description"], "description")
    if "initiatorAlias" in obj:
        request["initiatorAlias"] = _user_id(obj["initiatorAlias"], "initiatorAlias")
    if "call_action" in obj:
        request["call_action"] = dict(
            _object(obj["call_action"], "call_action", "call_action")
        )
    return request


def user_create(body: object) -> dict[str, Any]:
    """The create-user body checked: ``id`` may be absent, ``role`` may not."""
    obj = _object(body, "body", "body")
    _only(obj, c.USER_CREATE_KEYS, "body")
    if "role" not in obj:
        raise invalid("role", f"role: required, one of {_choices(c.ROLES)}")
    user = _user_fields(obj)
    user.setdefault("can_video", True)
    user.setdefault("language", None)
    if "id" in obj:
        user["id"] = _user_id(obj["id"], "id")
    return user


def user_update(body: object) -> dict[str, Any]:
    """The update-user body checked: any subset of role, can_video, language."""
    obj = _object(body, "body", "body")
    _only(obj, c.USER_UPDATE_KEYS, "body")
    return _user_fields(obj)


def resolve_tools(value: object, where: str) -> dict[str, Any]:
    """Tools in full: missing means all on, an object means only those named."""
    if value is _MISSING:
        return {
            tool: _whiteboard(True, where) if tool == "whiteboard" else True
            for tool in c.TOOLS
        }
    obj = _object(value, "participants", where)
    _only(obj, c.TOOLS, where, field="participants")
    tools: dict[str, Any] = {}
    for tool in c.TOOLS:
        here = f"{where}.{tool}"
        if tool == "whiteboard":
            tools[tool] = _whiteboard(obj.get(tool, False), here)
        else:
            tools[tool] = _bool(obj.get(tool, False), "participants", here)
    return tools


def _participants(value: object) -> list[dict[str, Any]]:
    field = "participants"
    if value is _MISSING:
        raise invalid(field, "participants: required")
    if not isinstance(value, list):
        raise invalid(field, "participants: expected a list")
    if not c.PARTICIPANTS_MIN <= len(value) <= c.PARTICIPANTS_MAX:
        raise invalid(
            field,
            f"participants: expected {c.PARTICIPANTS_MIN} to "
            f"{c.PARTICIPANTS_MAX} items, got {len(value)}",
        )
    people = [_participant(item, f"participants[{i}]") for i, item in enumerate(value)]
    ids = [p["user_id"] for p in people]
    if c.UNIQUE_PARTICIPANTS and len(set(ids)) != len(ids):
        raise invalid(field, "participants: user ids must be unique within a room")
    return people


def _participant(value: object, where: str) -> dict[str, Any]:
    obj = _object(value, "participants", where)
    _only(obj, c.PARTICIPANT_KEYS, where, field="participants")
    if "user_id" not in obj:
        raise invalid("participants", f"{where}.user_id: required")
    return {
        "user_id": _user_id(obj["user_id"], "participants", f"{where}.user_id"),
        "is_admin": _bool(
            obj.get("is_admin", False), "participants", f"{where}.is_admin"
        ),
        "tools": resolve_tools(obj.get("tools", _MISSING), f"{where}.tools"),
    }


def _whiteboard(value: object, where: str) -> dict[str, bool]:
    if isinstance(value, bool):
        return dict.fromkeys(c.WHITEBOARD_TOOLS, value)
    obj = _object(value, "participants", where, also="true, false or an object")
    _only(obj, c.WHITEBOARD_TOOLS, where, field="participants")
    return {
        tool: _bool(obj.get(tool, False), "participants", f"{where}.{tool}")
        for tool in c.WHITEBOARD_TOOLS
    }


def _user_fields(obj: dict[str, Any]) -> dict[str, Any]:
    user: dict[str, Any] = {}
    if "role" in obj:
        user["role"] = _enum(obj["role"], "role", c.ROLES)
    if "can_video" in obj:
        user["can_video"] = _bool(obj["can_video"], "can_video", "can_video")
    if "language" in obj:
        user["language"] = _enum(obj["language"], "language", c.LANGUAGES)
    return user


def _enum_into(
    request: dict[str, Any], obj: dict[str, Any], key: str, choices: tuple[str, ...]
) -> None:
    if key in obj:
        request[key] = _enum(obj[key], key, choices)


def _enum(value: object, key: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise invalid(key, f"{key}: expected one of {_choices(choices)}, got {value!r}")
    return value


def _duration(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid("duration", "duration: expected an integer number of seconds")
    if not c.DURATION_MIN <= value <= c.DURATION_MAX:
        raise invalid(
            "duration",
            f"duration: expected {c.DURATION_MIN} to {c.DURATION_MAX}, got {value}",
        )
    return value


def _user_id(value: object, field: str, where: str | None = None) -> str:
    if not isinstance(value, str) or not c.USER_ID.fullmatch(value):
        raise invalid(field, f"{where or field}: expected {c.USER_ID.pattern}")
    return value


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise invalid(field, f"{field}: expected a string")
    return value


def _bool(value: object, field: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(field, f"{where}: expected true or false, got {value!r}")
    return value


def _object(
    value: object, field: str, where: str, also: str = "an object"
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(field, f"{where}: expected {also}")
    return value


def _only(
    obj: dict[str, Any], known: Iterable[str], where: str, field: str = "body"
) -> None:
    unknown = sorted(set(obj) - set(known))
    if unknown:
        raise invalid(field, f"{where}: unknown key {unknown[0]!r}")


def _choices(choices: tuple[str, ...]) -> str:
    return ", ".join(choices)
