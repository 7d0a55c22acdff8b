"""The Kaleyra Video REST API (v1) as the provisioner uses it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from provisioner import __version__
from provisioner.kaleyra.endpoint import ApiKey
from provisioner.kaleyra.failures import TOKEN_SHOWN, redact_token_paths
from provisioner.kaleyra.models import (
    CreatedRoom,
    RoomInfo,
    RoomPage,
    RoomSummary,
    UserInfo,
    parse_created,
    parse_info,
    parse_page,
    parse_user,
    parse_user_ids,
)
from provisioner.kaleyra.retry import RetryPolicy
from provisioner.kaleyra.session import Call, OnRetry, Session

T = TypeVar("T")
# httpx logs every request's full URL at INFO, and a token-revoking URL holds
# a bearer token: its records are scrubbed whatever level is set.
logging.getLogger("httpx").addFilter(redact_token_paths)
DEFAULT_RETRY = RetryPolicy()


class KaleyraClient:
    """An async client: one method per endpoint, errors from ``provisioner.errors``.

    Every request carries the ``apikey`` header and a timeout; redirects are not
    followed. ``on_retry(description, delay)`` is called before each wait so a
    progress display can show it. Use it as ``async with KaleyraClient(...)``.
    """

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: OnRetry | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "apikey": api_key.reveal(),
                "accept": "application/json",
                "user-agent": f"provisioner/{__version__}",
            },
            timeout=httpx.Timeout(retry.timeout),
            follow_redirects=False,
            transport=transport,
        )
        self._session = Session(self._http, retry, (api_key.reveal(),), on_retry)

    async def __aenter__(self) -> KaleyraClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def create_room(self, body: Mapping[str, Any]) -> CreatedRoom:
        """Create a room from an API body, sent as given.

        Raises ``OutcomeUnknownError`` when the request may have reached the
        server but no answer came back: a room may exist, reconcile first.
        """
        path = "/rest/room/create"
        return await self._session.send(
            Call("POST", path, path, body=body, create=True), parse_created
        )

    async def room_info(self, room_id: str) -> RoomInfo:
        """One room; ``NotFoundError`` when it is unknown or deleted."""
        return await self._send(
            "GET", f"/rest/room/info/{_segment(room_id)}", parse_info
        )

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage:
        """One page of rooms, newest first (``limit`` at most 100)."""
        path = "/rest/room/list"
        call = Call("GET", path, path, params={"skip": skip, "limit": limit})
        return await self._session.send(
            call, lambda body: parse_page(body, skip, limit)
        )

    async def iter_rooms(self, page_size: int = 100) -> AsyncIterator[RoomSummary]:
        """Every room, newest first, page by page; a room is yielded once."""
        seen: set[str] = set()
        skip = 0
        while True:
            page = await self.list_rooms(skip, page_size)
            # A create during the walk shifts the pages: skip repeats.
            fresh = [room for room in page.rooms if room.room_id not in seen]
            for room in fresh:
                seen.add(room.room_id)
                yield room
            # Nothing new (a server ignoring skip) would repeat forever.
            if not page.has_more or not fresh:
                return
            skip += len(page.rooms)

    async def disable_room(self, room_id: str) -> None:
        """Disable a room for good: its links stop working."""
        await self._send("PUT", f"/rest/room/disable/{_segment(room_id)}", _ignore)

    async def delete_room(self, room_id: str) -> None:
        """Delete a room: its links stop working."""
        await self._send("DELETE", f"/rest/room/delete/{_segment(room_id)}", _ignore)

    async def delete_token(self, token: str) -> None:
        """Revoke one join link by its token (the token is never logged)."""
        call = Call(
            "DELETE",
            f"/rest/token/delete/{_segment(token)}",
            f"/rest/token/delete/{TOKEN_SHOWN}",
            hidden=(token,),
        )
        await self._session.send(call, _ignore)

    async def create_user(
        self,
        user_id: str,
        role: str,
        can_video: bool | None = None,
        language: str | None = None,
    ) -> UserInfo:
        """Create a user; an existing id is a ``ValidationError`` with code
        ``user_id_already_exists``."""
        body = _fields(id=user_id, role=role, can_video=can_video, language=language)
        path = "/rest/user/create"
        return await self._session.send(Call("POST", path, path, body=body), parse_user)

    async def get_user(self, user_id: str) -> UserInfo:
        """One user; ``NotFoundError`` when it does not exist."""
        return await self._send(
            "GET", f"/rest/user/list/{_segment(user_id)}", parse_user, user=True
        )

    async def list_users(self) -> list[str]:
        """Every user id of the company."""
        return await self._send("GET", "/rest/user/list", parse_user_ids)

    async def update_user(
        self,
        user_id: str,
        *,
        role: str | None = None,
        can_video: bool | None = None,
        language: str | None = None,
    ) -> UserInfo:
        """Change the given fields of a user; ``NotFoundError`` when unknown."""
        body = _fields(role=role, can_video=can_video, language=language)
        path = f"/rest/user/update/{_segment(user_id)}"
        call = Call("PUT", path, path, body=body, user_target=True)
        return await self._session.send(call, parse_user)

    async def delete_user(self, user_id: str) -> None:
        """Delete a user; ``NotFoundError`` when unknown."""
        await self._send(
            "DELETE", f"/rest/user/delete/{_segment(user_id)}", _ignore, user=True
        )

    async def _send(
        self, method: str, path: str, parse: Callable[[Any], T], *, user: bool = False
    ) -> T:
        return await self._session.send(
            Call(method, path, path, user_target=user), parse
        )


def _segment(value: str) -> str:
    """``value`` as one path segment: nothing in it can reach another route."""
    if value in (".", ".."):
        return value.replace(".", "%2E")
    return quote(value, safe="")


def _fields(**values: object) -> dict[str, object]:
    return {key: value for key, value in values.items() if value is not None}


def _ignore(_body: Any) -> None:
    return None
