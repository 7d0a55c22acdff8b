"""The Kaleyra REST endpoints, answering from the emulator's store."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from provisioner.emulator import contract as c
from provisioner.emulator import validate, views
from provisioner.emulator.core import Emulator
from provisioner.emulator.faults import DroppedResponse
from provisioner.emulator.problems import Refused, invalid

Answer = dict[str, Any] | Response
Action = Callable[[Request], Awaitable[Answer]]
Endpoint = Callable[[Request], Awaitable[Response]]


class Api:
    """One method per documented endpoint; auth and refusals handled around them."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.dialect = emulator.dialect

    def routes(self) -> list[Route]:
        e = self._endpoint
        return [
            Route("/rest/room/create", e(self.create_room), methods=["POST"]),
            Route("/rest/room/info/{room_id}", e(self.room_info), methods=["GET"]),
            Route("/rest/room/list", e(self.list_rooms), methods=["GET"]),
            Route("/rest/room/disable/{room_id}", e(self.disable), methods=["PUT"]),
            Route("/rest/room/delete/{room_id}", e(self.delete), methods=["DELETE"]),
            Route("/rest/token/delete/{token}", e(self.revoke), methods=["DELETE"]),
            Route("/rest/user/create", e(self.create_user), methods=["POST"]),
            Route("/rest/user/list", e(self.list_users), methods=["GET"]),
            Route("/rest/user/list/{user_id}", e(self.get_user), methods=["GET"]),
            Route("/rest/user/update/{user_id}", e(self.update_user), methods=["PUT"]),
            Route(
                "/rest/user/delete/{user_id}", e(self.delete_user), methods=["DELETE"]
            ),
        ]

    def _endpoint(self, action: Action) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                self._authenticate(request)
                answer = await action(request)
            except Refused as refused:
                return self.dialect.refusal(refused)
            return answer if isinstance(answer, Response) else JSONResponse(answer)

        return endpoint

    def _authenticate(self, request: Request) -> None:
        given = request.headers.get("apikey", "").encode()
        if not hmac.compare_digest(given, self.emulator.config.api_key.encode()):
            raise Refused(c.BAD_KEY, "missing or invalid apikey header")

    # -- rooms --------------------------------------------------------------

    async def create_room(self, request: Request) -> Answer:
        body = await _json(request)
        room = self.emulator.store.create_room(validate.room_request(body), body)
        self.emulator.save()
        faults, rng = self.emulator.faults, self.emulator.rng
        if faults.commit_then_drop and rng.random() < faults.commit_then_drop:
            if faults.drop_mode == "disconnect":
                return DroppedResponse()
            raise Refused(c.SERVER_ERROR, "internal error")
        return views.created(room, self.dialect)

    async def room_info(self, request: Request) -> Answer:
        store, dialect = self.emulator.store, self.dialect
        room = store.room(
            request.path_params["room_id"], deleted_too=dialect.deleted_rooms_readable
        )
        if dialect.info_link_base and store.attach(room, dialect.info_token_hex_digits):
            self.emulator.save()
        return views.info(room, dialect)

    async def list_rooms(self, request: Request) -> Answer:
        skip = _query_int(request, "skip", 0, low=0, high=None)
        limit = _query_int(
            request, "limit", c.LIST_DEFAULT_LIMIT, low=1, high=c.LIST_MAX_LIMIT
        )
        rooms, total = self.emulator.store.page(skip, limit)
        return views.page(rooms, skip, limit, total)

    async def disable(self, request: Request) -> Answer:
        room = self.emulator.store.disable(request.path_params["room_id"])
        self.emulator.save()
        return views.room_done(room, "room disabled")

    async def delete(self, request: Request) -> Answer:
        room = self.emulator.store.delete(request.path_params["room_id"])
        self.emulator.save()
        return views.room_done(room, "room deleted")

    async def revoke(self, request: Request) -> Answer:
        token = request.path_params["token"]
        self.emulator.store.revoke(token)
        self.emulator.save()
        return {"token": token, "message": "token deleted"}

    # -- users --------------------------------------------------------------

    async def create_user(self, request: Request) -> Answer:
        fields = validate.user_create(await _json(request))
        user = self.emulator.store.create_user(fields)
        self.emulator.save()
        return views.user(user)

    async def list_users(self, request: Request) -> Answer:
        return {"user_id_list": list(self.emulator.store.users)}

    async def get_user(self, request: Request) -> Answer:
        return views.user(self.emulator.store.user(request.path_params["user_id"]))

    async def update_user(self, request: Request) -> Answer:
        fields = validate.user_update(await _json(request))
        user_id = request.path_params["user_id"]
        user = self.emulator.store.update_user(user_id, fields)
        self.emulator.save()
        return views.user(user)

    async def delete_user(self, request: Request) -> Answer:
        user_id = request.path_params["user_id"]
        self.emulator.store.delete_user(user_id)
        self.emulator.save()
        return {"id": user_id, "message": "user deleted"}


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(c.BAD_JSON, "the body is not valid JSON") from None


def _query_int(
    request: Request, name: str, default: int, *, low: int, high: int | None
) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid(name, f"{name}: expected an integer") from None
    if value < low or (high is not None and value > high):
        upper = f" to {high}" if high is not None else " or more"
        raise invalid(name, f"{name}: expected {low}{upper}, got {value}")
    return value
