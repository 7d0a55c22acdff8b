"""What the emulator's answers must look like, shared by its contract tests."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import EmulatorHandle

ROOM_ID = re.compile(r"room_[a-z0-9]{12}")
USER_ID = re.compile(r"usr_[a-z0-9]{12}")
URL = re.compile(
    r"https://sandbox\.bandyer\.com/connect/rest-call-handler/[0-9a-f]{16}"
)
DIRECT_URL = re.compile(
    r"https://sandbox\.bandyer\.com/connect/direct-rest-call-handler/[0-9a-f]{16}"
)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
TOOLS = (
    "chat",
    "screen_sharing",
    "file_upload",
    "snapshot",
    "live_edit",
    "live_pointer",
    "present_to_everyone",
)
WB = ("wb_add_file", "wb_cursor", "wb_text", "wb_shape", "wb_pen", "wb_eraser")


def all_tools(on: bool) -> dict[str, Any]:
    return {**dict.fromkeys(TOOLS, on), "whiteboard": dict.fromkeys(WB, on)}


def pair(**extra: Any) -> dict[str, Any]:
    return {"participants": [{"user_id": "alice"}, {"user_id": "bob"}], **extra}


def create(api: EmulatorHandle, body: Any) -> dict[str, Any]:
    response = api.api("POST", "/rest/room/create", json=body)
    assert response.status_code == 200, response.text
    room: dict[str, Any] = response.json()["room"]
    return room
