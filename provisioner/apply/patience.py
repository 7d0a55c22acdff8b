"""The client as the engine uses it: patient with rate limits.

The client already retries a 429 a few times, honouring `Retry-After`. Under
a sustained rate limit that is not enough: with many operations in flight,
some exhaust their attempts although the API only asks them to wait. A 429
means the request did nothing (even a create), so here the call is simply
made again, after every call in the run has paused for a moment: one shared
pause instead of every operation hammering the limit on its own. A run that
is stopping does not wait.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Protocol, TypeVar

from provisioner.errors import RateLimitedError
from provisioner.kaleyra import (
    CreatedRoom,
    KaleyraClient,
    RoomInfo,
    RoomPage,
    UserInfo,
)

T = TypeVar("T")
ROUNDS: Final = 20
PAUSE: Final = (0.5, 1.5)


class RoomApi(Protocol):
    """The API calls the engine, reconciliation and refresh make."""

    async def create_room(self, body: Mapping[str, Any]) -> CreatedRoom: ...

    async def room_info(self, room_id: str) -> RoomInfo: ...

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage: ...

    async def disable_room(self, room_id: str) -> None: ...

    async def delete_room(self, room_id: str) -> None: ...

    async def get_user(self, user_id: str) -> UserInfo: ...


class PatientClient:
    """The calls the engine makes, each retried while the API rate-limits."""

    def __init__(
        self, client: KaleyraClient, stopped: Callable[[], bool] = lambda: False
    ) -> None:
        self.client = client
        self.stopped = stopped
        self._calm_until = 0.0

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        for round_ in range(ROUNDS):
            wait = self._calm_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await call()
            except RateLimitedError:
                if round_ + 1 == ROUNDS or self.stopped():
                    raise
                pause = time.monotonic() + random.uniform(*PAUSE)
                self._calm_until = max(self._calm_until, pause)
        raise AssertionError("unreachable: ROUNDS >= 1")

    async def create_room(self, body: Mapping[str, Any]) -> CreatedRoom:
        return await self._call(lambda: self.client.create_room(body))

    async def room_info(self, room_id: str) -> RoomInfo:
        return await self._call(lambda: self.client.room_info(room_id))

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage:
        return await self._call(lambda: self.client.list_rooms(skip, limit))

    async def disable_room(self, room_id: str) -> None:
        await self._call(lambda: self.client.disable_room(room_id))

    async def delete_room(self, room_id: str) -> None:
        await self._call(lambda: self.client.delete_room(room_id))

    async def create_user(
        self, user_id: str, role: str, can_video: bool, language: str | None
    ) -> UserInfo:
        return await self._call(
            lambda: self.client.create_user(user_id, role, can_video, language)
        )

    async def get_user(self, user_id: str) -> UserInfo:
        return await self._call(lambda: self.client.get_user(user_id))

    async def update_user(
        self, user_id: str, *, role: str, can_video: bool, language: str | None
    ) -> UserInfo:
        return await self._call(
            lambda: self.client.update_user(
                user_id, role=role, can_video=can_video, language=language
            )
        )

    async def delete_user(self, user_id: str) -> None:
        await self._call(lambda: self.client.delete_user(user_id))
