"""``/_emulator/...``: inspection and control for tests, not part of the API.

No key needed. ``GET stats``, ``GET|POST config``, ``POST rooms/{id}/status``,
``POST reset``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from provisioner.emulator import contract as c
from provisioner.emulator import views
from provisioner.emulator.core import Emulator

PREFIX = "/_emulator"


class Control:
    """The test-facing endpoints."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def routes(self) -> list[Route]:
        return [
            Route(f"{PREFIX}/stats", self.stats, methods=["GET"]),
            Route(f"{PREFIX}/config", self.config, methods=["GET", "POST"]),
            Route(f"{PREFIX}/rooms/{{room_id}}/status", self.status, methods=["POST"]),
            Route(f"{PREFIX}/reset", self.reset, methods=["POST"]),
        ]

    async def stats(self, request: Request) -> JSONResponse:
        """Request counts by route and status, every room ever made, the users."""
        emulator = self.emulator
        requests = {route: dict(counts) for route, counts in emulator.requests.items()}
        return JSONResponse(
            {
                "requests": requests,
                "total_requests": sum(sum(n.values()) for n in requests.values()),
                "rooms": [views.audit(room) for room in emulator.store.rooms.values()],
                "users": [views.user(u)["user"] for u in emulator.store.users.values()],
                "faults": emulator.faults.as_dict(),
                "flavour": emulator.dialect.name,
            }
        )

    async def config(self, request: Request) -> JSONResponse:
        """Read (GET) or change (POST, any subset of the knobs) the faults."""
        if request.method == "POST":
            changes = await _body(request)
            if changes is None:
                return _bad_request("expected a JSON object")
            try:
                self.emulator.faults = self.emulator.faults.updated(changes)
            except (TypeError, ValueError) as exc:
                return _bad_request(str(exc))
        return JSONResponse(self.emulator.faults.as_dict())

    async def status(self, request: Request) -> JSONResponse:
        """Set a room's status (and optionally ``durationUsed``)."""
        room = self.emulator.store.rooms.get(request.path_params["room_id"])
        if room is None or room.deleted:
            return _bad_request("no such room", status=404)
        body = await _body(request)
        if body is None:
            return _bad_request("expected a JSON object")
        status, used = body.get("status"), body.get("duration_used", room.duration_used)
        if status not in c.STATUSES:
            return _bad_request(f"status: expected one of {', '.join(c.STATUSES)}")
        if not isinstance(used, int) or isinstance(used, bool) or used < 0:
            return _bad_request("duration_used: expected an integer >= 0")
        room.status, room.duration_used = status, used
        self.emulator.save()
        return JSONResponse({"room_id": room.room_id, "status": room.status})

    async def reset(self, request: Request) -> JSONResponse:
        """Forget rooms, users and counts; seed users and start-up faults return."""
        self.emulator.reset()
        return JSONResponse({"message": "reset"})


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _bad_request(message: str, status: int = 400) -> JSONResponse:
    error = {"name": "emulator_error", "code": "bad_request", "message": message}
    return JSONResponse({"error": error}, status_code=status)
