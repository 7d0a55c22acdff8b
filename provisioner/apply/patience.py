"""The client as the engine uses it: patient with rate limits, but not forever.

A 429 means the request did nothing (even a create), so it is made again.
The client itself does that (`kaleyra/session.py`): 429s use up none of the
attempts that failures get, every call of the run holds back while one rate
limit lasts, and an operation waits at most its time budget
(`RetryPolicy.retry_budget_seconds`). Retrying here as well would multiply
that budget, so this wrapper only tells the client when the run is stopping:
a stopping run does not wait out a rate limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from provisioner.kaleyra import (
    CreatedRoom,
    KaleyraClient,
    RoomInfo,
    RoomPage,
    UserInfo,
)


class RoomApi(Protocol):
    """The API calls the engine, reconciliation and refresh make."""

    async def probe(self) -> None: ...

    async def create_room(self, body: Mapping[str, Any]) -> CreatedRoom: ...

    async def room_info(self, room_id: str) -> RoomInfo: ...

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage: ...

    async def disable_room(self, room_id: str) -> None: ...

    async def delete_room(self, room_id: str) -> None: ...

    async def get_user(self, user_id: str) -> UserInfo: ...


class PatientClient:
    """The calls the engine makes; rate-limit waits end when the run stops."""

    def __init__(
        self, client: KaleyraClient, stopped: Callable[[], bool] = lambda: False
    ) -> None:
        self.client = client
        self.stopped = stopped
        client.stop_waiting_when(stopped)

    async def probe(self) -> None:
        await self.client.probe()

    async def create_room(self, body: Mapping[str, Any]) -> CreatedRoom:
        return await self.client.create_room(body)

    async def room_info(self, room_id: str) -> RoomInfo:
        return await self.client.room_info(room_id)

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage:
        return await self.client.list_rooms(skip, limit)

    async def disable_room(self, room_id: str) -> None:
        await self.client.disable_room(room_id)

    async def delete_room(self, room_id: str) -> None:
        await self.client.delete_room(room_id)

    async def create_user(
        self, user_id: str, role: str, can_video: bool, language: str | None
    ) -> UserInfo:
        return await self.client.create_user(user_id, role, can_video, language)

    async def get_user(self, user_id: str) -> UserInfo:
        return await self.client.get_user(user_id)

    async def update_user(
        self, user_id: str, *, role: str, can_video: bool, language: str | None
    ) -> UserInfo:
        return await self.client.update_user(
            user_id, role=role, can_video=can_video, language=language
        )

    async def delete_user(self, user_id: str) -> None:
        await self.client.delete_user(user_id)
