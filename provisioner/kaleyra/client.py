"""The Kaleyra Video REST API (v1) as the provisioner uses it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from provisioner import __version__
from provisioner.errors import ApiError, ValidationError, WrongAddressError
from provisioner.kaleyra.endpoint import ApiKey
from provisioner.kaleyra.failures import TOKEN_SHOWN, address_hint, redact_token_paths
from provisioner.kaleyra.listing import walk_rooms
from provisioner.kaleyra.models import (
    CreatedRoom,
    RoomInfo,
    RoomPage,
    RoomSummary,
    UserInfo,
    parse_created,
    parse_info,
    parse_page,
    parse_probe,
    parse_user,
    parse_user_ids,
)
from provisioner.kaleyra.retry import RetryPolicy
from provisioner.kaleyra.session import Call, Clock, OnRetry, Session, Sleep

T = TypeVar("T")
# httpx logs every request's full URL at INFO, and a token-revoking URL holds
# a bearer token: its records are scrubbed whatever level is set.
logging.getLogger("httpx").addFilter(redact_token_paths)
DEFAULT_RETRY = RetryPolicy()


class KaleyraClient:
    """An async client: one method per endpoint, errors from ``provisioner.errors``.

    Every request carries the ``apikey`` header and a timeout; redirects are not
    followed. ``on_retry(description, delay)`` is called before each wait so a
    progress display can show it (a 429 reads ``rate limited, waiting 40 s
    (attempt 3)``). ``sleep`` and ``clock`` are for tests. Use it as
    ``async with KaleyraClient(...)``.
    """

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: OnRetry | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
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
        self._session = Session(
            self._http,
            retry,
            (api_key.reveal(),),
            on_retry,
            sleep=sleep,
            clock=clock,
            hint=address_hint(self._http.base_url.path),
        )

    async def __aenter__(self) -> KaleyraClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    def stop_waiting_when(self, stopping: Callable[[], bool]) -> None:
        """Give up a rate-limit wait, not wait it out, once ``stopping()``."""
        self._session.stopping = stopping

    async def probe(self) -> None:
        """Prove the address and the key with one read that must succeed.

        ``WrongAddressError`` when what answers is not the Kaleyra API (a 404,
        a redirect, a page that is not the API's JSON), ``AuthError`` for a
        refused key, ``ConnectionFailed`` when nothing answers. Run it before
        believing any "gone": a wrong address makes every room look deleted.
        """
        path = "/rest/room/list"
        call = Call("GET", path, path, params={"skip": 0, "limit": 1})
        try:
            await self._session.send(call, parse_probe)
        except WrongAddressError:
            raise
        except ApiError as exc:
            if not _not_the_api(exc):
                raise
            raise WrongAddressError(
                f"the answer is not the Kaleyra API's; {self._session.hint}",
                method=exc.method,
                path=exc.path,
                status=exc.status,
            ) from None

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
        """One room; ``NotFoundError`` only when the API says it is unknown.

        A deleted room may also come back with ``status: CLOSED``.
        """
        return await self._send(
            "GET", f"/rest/room/info/{_segment(room_id)}", parse_info, "room"
        )

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage:
        """One page of rooms, newest first (``limit`` at most 100)."""
        path = "/rest/room/list"
        call = Call("GET", path, path, params={"skip": skip, "limit": limit})
        return await self._session.send(
            call, lambda body: parse_page(body, skip, limit)
        )

    def iter_rooms(self, page_size: int = 100) -> AsyncIterator[RoomSummary]:
        """Every room, newest first, page by page; a room is yielded once."""
        return walk_rooms(self, page_size)

    async def disable_room(self, room_id: str) -> None:
        """Disable a room for good: its links stop working."""
        await self._send(
            "PUT", f"/rest/room/disable/{_segment(room_id)}", _ignore, "room"
        )

    async def delete_room(self, room_id: str) -> None:
        """Delete a room: its links stop working."""
        await self._send(
            "DELETE", f"/rest/room/delete/{_segment(room_id)}", _ignore, "room"
        )

    async def delete_token(self, token: str) -> None:
        """Revoke one join link by its token (the token is never logged)."""
        call = Call(
            "DELETE",
            f"/rest/token/delete/{_segment(token)}",
            f"/rest/token/delete/{TOKEN_SHOWN}",
            target="token",
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
            "GET", f"/rest/user/list/{_segment(user_id)}", parse_user, "user"
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
        call = Call("PUT", path, path, body=body, target="user")
        return await self._session.send(call, parse_user)

    async def delete_user(self, user_id: str) -> None:
        """Delete a user; ``NotFoundError`` when unknown."""
        await self._send(
            "DELETE", f"/rest/user/delete/{_segment(user_id)}", _ignore, "user"
        )

    async def _send(
        self, method: str, path: str, parse: Callable[[Any], T], target: str = ""
    ) -> T:
        return await self._session.send(Call(method, path, path, target=target), parse)


def _not_the_api(error: ApiError) -> bool:
    """An answer the Kaleyra API would not give to the probe's plain read.

    A redirect, an odd status or an unreadable success is a plain ApiError; a
    400 without the API's error name or code is a proxy's page.
    """
    return type(error) is ApiError or (
        isinstance(error, ValidationError) and error.code is None
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
