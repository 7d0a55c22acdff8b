"""Canned answers for the client tests that script the server (``scripted``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx

from provisioner.kaleyra import KaleyraClient, RetryPolicy

Step = httpx.Response | type[Exception]

SCRIPT_POLICY = RetryPolicy(attempts=3, base=0.001, cap=0.01, timeout=2.0)
TOKEN = "90643787db1e7d3f"
LINK = f"https://sandbox.bandyer.com/connect/rest-call-handler/{TOKEN}"
CREATED = {
    "room": {"room_id": "room_abcdefabcdef", "user_urls": [{"user": "a", "url": LINK}]}
}
INFO = {
    "room": {
        "room_id": "room_abcdefabcdef",
        "description": None,
        "call_type": "audio_video",
        "status": "NOT_RUNNING",
        "user_urls": [],
    }
}


def reply(status: int = 200, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json=body if body is not None else {}, headers=headers
    )


def refusal(
    status: int, code: str, message: str = "nope", name: str = "x"
) -> httpx.Response:
    error = {"error": {"name": name, "code": code, "message": message}}
    return httpx.Response(status, json=error)


def create(client: KaleyraClient) -> Awaitable[Any]:
    return client.create_room({"participants": []})


def info(client: KaleyraClient) -> Awaitable[Any]:
    return client.room_info("room_abcdefabcdef")
