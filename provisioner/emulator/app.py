"""The emulator as an ASGI application, served by uvicorn or used in-process."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from provisioner.emulator import contract as c
from provisioner.emulator.api import Api
from provisioner.emulator.config import EmulatorConfig
from provisioner.emulator.control import Control
from provisioner.emulator.core import Emulator
from provisioner.emulator.faults import ConnectionDropped, FaultMiddleware
from provisioner.emulator.problems import Refused


def create_app(config: EmulatorConfig) -> Starlette:
    """A fresh emulator; its state is reachable as ``app.state.emulator``."""
    emulator = Emulator(config)
    api_routes = Api(emulator).routes()
    app = Starlette(
        routes=[*api_routes, *Control(emulator).routes()],
        middleware=[Middleware(FaultMiddleware, emulator=emulator, routes=api_routes)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.emulator = emulator
    return app


def emulator_of(app: Starlette) -> Emulator:
    """The state behind an app made by ``create_app``."""
    emulator: Emulator = app.state.emulator
    return emulator


async def _http_error(request: Request, exc: Exception) -> Response:
    # Every answer is JSON, an unknown route's included.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    triple = (status, c.ROUTE_NOT_FOUND[1], c.ROUTE_NOT_FOUND[2])
    refused = Refused(triple, f"no route {request.method} {request.url.path}")
    return emulator_of(request.app).dialect.refusal(refused)


class InProcessTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` over the app, where a dropped answer looks like one.

    Over a socket, a create dropped by ``commit_then_drop`` (disconnect mode)
    reaches the client as a connection closed mid-answer; in-process the app's
    exception would surface instead, so it is turned into the error httpx
    raises for a truncated answer.
    """

    def __init__(self, app: Starlette) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._asgi.handle_async_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body",
                request=request,
            ) from None

    async def aclose(self) -> None:
        await self._asgi.aclose()
