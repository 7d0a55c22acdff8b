"""Another Kaleyra API, written from kaleyra-api.md alone, to test the client against.

Our emulator and our client were built by the same team and may share a
misreading of the contract. This stand-in reads the document differently
wherever the document allows it:

- a create is answered 201 (the contract says 200, "accept 201 as well");
- every object carries keys the client has never heard of;
- `room/info` lists `user_urls` as bare `{user, url}` (no tools, no is_admin);
- the room list omits `disabled` unless true and `description` when unset,
  writes `creationDate` without milliseconds, and may leave out `has_more`
  (`count` is the total) or serve smaller pages than asked;
- a wrong key may be answered 400 `invalid_api_key` (older docs);
- a 429 comes without `Retry-After`; a 5xx body need not be JSON.

It also checks what the client sends more strictly than needed: the `apikey`
header, a JSON content type, only documented body keys with their documented
types (`directCall`, `initiatorAlias` spelled exactly), known tool names.

    standin = StandIn(api_key)   # then: with served(standin) as url: ...
    standin.knobs.create_status = 201
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TOOLS = {
    "chat",
    "screen_sharing",
    "file_upload",
    "snapshot",
    "live_edit",
    "live_pointer",
    "present_to_everyone",
}
WB = {"wb_add_file", "wb_cursor", "wb_text", "wb_shape", "wb_pen", "wb_eraser"}
ROOM_KEYS = {
    "participants": list,
    "recording": bool,
    "recording_type": str,
    "call_type": str,
    "live": bool,
    "duration": int,
    "description": str,
    "initiatorAlias": str,
    "directCall": bool,
    "call_action": dict,
}
PERSON_KEYS = {"user_id", "is_admin", "tools"}
ENUMS = {
    "recording_type": {"automatic", "manual"},
    "call_type": {"audio_only", "audio_upgradable", "audio_video"},
}


@dataclass
class Knobs:
    """How this stand-in reads the open points of the contract."""

    create_status: int = 201
    auth_status: int = 401
    send_has_more: bool = True
    page_cap: int = 100
    milliseconds: bool = False
    throttle: int = 0  # the next N requests are answered 429 without Retry-After
    lose_creates: int = 0  # the next N creates commit, then answer a non-JSON 500
    noise_after_lost: int = 0  # rooms someone else creates right after a lost one
    info_fails: int = 0  # the next N room/info answer 503 with an HTML body
    plain_links: bool = False  # links that do not show directCall in their path


@dataclass
class StandIn:
    """The API's data and what the client sent."""

    api_key: str
    knobs: Knobs = field(default_factory=Knobs)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def add_user(self, user_id: str, role: str) -> None:
        self.users[user_id] = _user(user_id, role, True, None)

    def creates(self) -> list[dict[str, Any]]:
        return [r["json"] for r in self.requests if r["path"] == "/rest/room/create"]

    def live(self) -> list[dict[str, Any]]:
        return [r for r in self.rooms.values() if not r["disabled"]]


def _user(user_id: str, role: str, can_video: bool, lang: str | None) -> dict[str, Any]:
    return {
        "id": user_id,
        "role": role,
        "can_video": can_video,
        "language": lang,
        "creation_date": _now(True),
        "avatar": None,  # a key the client does not know
    }


def _now(ms: bool) -> str:
    moment = datetime.now(UTC)
    return moment.isoformat(timespec="milliseconds" if ms else "seconds").replace(
        "+00:00", "Z"
    )


class Refused(Exception):
    def __init__(self, status: int, name: str, code: str, message: str = "") -> None:
        super().__init__(message)
        self.status, self.name, self.code, self.message = status, name, code, message


def _invalid(message: str) -> Refused:
    return Refused(422, "validation_error", "validation_error", message)


def _check_tools(tools: Any) -> dict[str, Any]:
    if tools is None:
        return {**dict.fromkeys(TOOLS, True), "whiteboard": dict.fromkeys(WB, True)}
    if not isinstance(tools, dict) or set(tools) - TOOLS - {"whiteboard"}:
        raise _invalid(f"tools: unknown or malformed {tools!r}")
    if any(not isinstance(tools[t], bool) for t in set(tools) & TOOLS):
        raise _invalid("tools: booleans expected")
    board = tools.get("whiteboard", False)
    if isinstance(board, bool):
        board = dict.fromkeys(WB, board)
    elif not isinstance(board, dict) or set(board) - WB:
        raise _invalid("tools.whiteboard: malformed")
    resolved = {t: tools.get(t, False) for t in TOOLS}
    return {**resolved, "whiteboard": {w: board.get(w, False) for w in WB}}


def _check_room(api: StandIn, body: Any) -> None:
    if not isinstance(body, dict) or set(body) - set(ROOM_KEYS):
        raise _invalid(f"unknown keys {sorted(set(body or {}) - set(ROOM_KEYS))}")
    for key, kind in ROOM_KEYS.items():
        value = body.get(key)
        wrong = kind is int and isinstance(value, bool)
        if key in body and (not isinstance(value, kind) or wrong):
            raise _invalid(f"{key}: expected {kind.__name__}")
        if key in ENUMS and key in body and value not in ENUMS[key]:
            raise _invalid(f"{key}: not one of {sorted(ENUMS[key])}")
    if "duration" in body and not 60 <= body["duration"] <= 86400:
        raise _invalid("duration out of range")
    _check_people(api, body)


def _check_people(api: StandIn, body: dict[str, Any]) -> None:
    people = body.get("participants")
    if not isinstance(people, list) or not 2 <= len(people) <= 25:
        raise Refused(422, "validation_error", "participants_validation_error")
    ids = []
    for person in people:
        if not isinstance(person, dict) or set(person) - PERSON_KEYS:
            raise _invalid("participant: unknown keys")
        if not isinstance(person.get("is_admin", False), bool):
            raise _invalid("is_admin: expected bool")
        _check_tools(person.get("tools"))
        ids.append(person.get("user_id"))
    if len(set(ids)) != len(ids):
        raise _invalid("participants: user ids repeat")
    alias = body.get("initiatorAlias")
    for user_id in [*ids, *([alias] if alias is not None else [])]:
        if user_id not in api.users:
            raise Refused(400, "invalid_request_error", "invalid_user_id")
    if not any(api.users[i]["role"] == "plus" for i in ids):
        raise Refused(400, "invalid_request_error", "no_plus_participant")


def _make_room(api: StandIn, body: dict[str, Any]) -> dict[str, Any]:
    room_id = "room_" + secrets.token_hex(6)
    direct = body.get("directCall")
    handler = "direct-rest-call-handler" if direct else "rest-call-handler"
    if api.knobs.plain_links:
        handler = "j"
    urls = [
        {
            "user": p["user_id"],
            "url": f"https://sandbox.example/connect/{handler}/{secrets.token_hex(8)}",
            "is_admin": p.get("is_admin", False),
            "tools": _check_tools(p.get("tools")),
            "nickname": None,
        }
        for p in body["participants"]
    ]
    room = {
        "room_id": room_id,
        "record": body.get("recording", False),
        "recording_type": body.get("recording_type", "automatic"),
        "duration": body.get("duration", 0),
        "directCall": body.get("directCall", False),
        "call_type": body.get("call_type", "audio_video"),
        "live": body.get("live", False),
        "description": body.get("description"),
        "user_urls": urls,
        "status": "NOT_RUNNING",
        "disabled": False,
        "created": datetime.now(UTC),
    }
    api.rooms[room_id] = room
    return room


def _someone_elses_room(api: StandIn, number: int) -> None:
    ids = sorted(api.users)[:2]
    api.users.setdefault("zz-plus", _user("zz-plus", "plus", True, None))
    body = {"participants": [{"user_id": i} for i in {*ids, "zz-plus"}]}
    room = _make_room(api, body)
    room["description"] = None if number % 2 else f"other team {number}"


def _created_answer(room: dict[str, Any]) -> dict[str, Any]:
    hidden = ("status", "disabled", "created")
    shown = {k: v for k, v in room.items() if k not in hidden}
    return {"room": {**shown, "company": "acme"}, "request_id": secrets.token_hex(4)}


def _info(room: dict[str, Any]) -> dict[str, Any]:
    answer = {
        "room_id": room["room_id"],
        "record": room["record"],
        "duration": room["duration"],
        "durationUsed": 0,
        "call_type": room["call_type"],
        "live": room["live"],
        "description": room["description"],
        "status": room["status"],
        "user_urls": [
            {"user": u["user"], "url": u["url"]}
            for u in ([] if room["disabled"] else room["user_urls"])
        ],
        "creationDate": room["created"].isoformat(),
    }
    if room["disabled"]:
        answer["disabled"] = True
    return {"room": answer}


def _listed(room: dict[str, Any], ms: bool) -> dict[str, Any]:
    stamp = room["created"].isoformat(timespec="milliseconds" if ms else "seconds")
    entry = {
        "room_id": room["room_id"],
        "record": room["record"],
        "call_type": room["call_type"],
        "live": room["live"],
        "status": room["status"],
        "creationDate": stamp.replace("+00:00", "Z"),
        "tags": [],
    }
    if room["description"] is not None:
        entry["description"] = room["description"]
    if room["disabled"]:
        entry["disabled"] = True
    return entry


class Api:
    """The routes, over one StandIn."""

    def __init__(self, api: StandIn) -> None:
        self.api = api

    async def dispatch(self, request: Request) -> Response:
        api, knobs = self.api, self.api.knobs
        raw = await request.body()
        record = {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "headers": dict(request.headers),
            "json": json.loads(raw) if raw else None,
        }
        api.requests.append(record)
        if knobs.throttle > 0:
            knobs.throttle -= 1
            return JSONResponse({"message": "slow down"}, status_code=429)
        if request.headers.get("apikey") != api.api_key:
            body = {"name": "invalid_api_key", "code": "invalid_api_key"}
            return JSONResponse({"error": body}, status_code=knobs.auth_status)
        if record["json"] is not None and not request.headers.get(
            "content-type", ""
        ).startswith("application/json"):
            return JSONResponse({"error": {"code": "bad content type"}}, 415)
        try:
            return self._route(request, record)
        except Refused as exc:
            envelope = {"name": exc.name, "code": exc.code, "message": exc.message}
            return JSONResponse({"error": envelope}, status_code=exc.status)

    def _room(self, room_id: str) -> dict[str, Any]:
        room = self.api.rooms.get(room_id)
        if room is None or room.get("deleted"):
            raise Refused(404, "invalid_request_error", "room_not_found")
        return room

    def _route(self, request: Request, record: dict[str, Any]) -> Response:
        method, parts = request.method, request.url.path.strip("/").split("/")
        handler = getattr(self, f"_{method.lower()}_{parts[1]}_{parts[2]}", None)
        if parts[0] != "rest" or handler is None:
            return PlainTextResponse("no such route", status_code=404)
        result = handler(parts[3] if len(parts) > 3 else None, record)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    def _post_room_create(self, _: Any, record: dict[str, Any]) -> Response:
        _check_room(self.api, record["json"])
        room = _make_room(self.api, record["json"])
        if self.api.knobs.lose_creates > 0:
            self.api.knobs.lose_creates -= 1
            for number in range(self.api.knobs.noise_after_lost):
                _someone_elses_room(self.api, number)
            return PlainTextResponse("<html>502 Bad Gateway</html>", status_code=502)
        return JSONResponse(_created_answer(room), self.api.knobs.create_status)

    def _get_room_info(self, room_id: str, _: Any) -> Any:
        if self.api.knobs.info_fails > 0:
            self.api.knobs.info_fails -= 1
            return PlainTextResponse("<html>unavailable</html>", status_code=503)
        return _info(self._room(room_id))

    def _get_room_list(self, _: Any, record: dict[str, Any]) -> Any:
        skip = int(record["query"].get("skip", 0))
        limit = min(int(record["query"].get("limit", 20)), 100, self.api.knobs.page_cap)
        rooms = [r for r in self.api.rooms.values() if not r.get("deleted")]
        rooms.sort(key=lambda r: r["created"], reverse=True)
        page = rooms[skip : skip + limit]
        answer: dict[str, Any] = {"skip": skip, "limit": limit, "count": len(rooms)}
        if self.api.knobs.send_has_more:
            answer["has_more"] = skip + len(page) < len(rooms)
        answer["rooms"] = [_listed(r, self.api.knobs.milliseconds) for r in page]
        return answer

    def _put_room_disable(self, room_id: str, _: Any) -> Any:
        room = self._room(room_id)
        room["disabled"] = True
        return {"room": {"room_id": room_id, "message": "room disabled"}}

    def _delete_room_delete(self, room_id: str, _: Any) -> Any:
        self._room(room_id)["deleted"] = True
        return {"room": {"room_id": room_id, "message": "room deleted"}}

    def _post_user_create(self, _: Any, record: dict[str, Any]) -> Any:
        body = record["json"] or {}
        user_id = body.get("id") or "usr_" + secrets.token_hex(6)
        if body.get("role") not in ("basic", "plus"):
            raise Refused(422, "validation_error", "role_validation_error")
        if user_id in self.api.users:
            raise Refused(400, "invalid_request_error", "user_id_already_exists")
        can_video, language = body.get("can_video", True), body.get("language")
        user = _user(user_id, body["role"], can_video, language)
        self.api.users[user_id] = user
        return JSONResponse({"user": user}, status_code=201)

    def _get_user_list(self, user_id: str | None, _: Any) -> Any:
        if user_id is None:
            return {"user_id_list": sorted(self.api.users)}
        return {"user": self._user(user_id)}

    def _user(self, user_id: str) -> dict[str, Any]:
        if user_id not in self.api.users:
            raise Refused(400, "invalid_request_error", "invalid_user_id")
        return self.api.users[user_id]

    def _put_user_update(self, user_id: str, record: dict[str, Any]) -> Any:
        user = self._user(user_id)
        body = record["json"] or {}
        if set(body) - {"role", "can_video", "language"}:
            raise _invalid("unknown user keys")
        user.update(body)
        return {"user": user}

    def _delete_user_delete(self, user_id: str, _: Any) -> Any:
        self._user(user_id)
        del self.api.users[user_id]
        return {"id": user_id, "message": "user deleted"}


def app_for(api: StandIn) -> Starlette:
    routes = Api(api)
    methods = ["GET", "POST", "PUT", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", routes.dispatch, methods=methods)])


class _Quiet(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # served from a thread: signals belong to the test runner


@contextmanager
def served(api: StandIn) -> Iterator[str]:
    """Serve the stand-in on 127.0.0.1 from a thread; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    config = uvicorn.Config(app_for(api), lifespan="off", log_level="critical")
    server = _Quiet(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True
    )
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()
