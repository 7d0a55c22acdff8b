"""Fault injection and request counting, as ASGI middleware around the API.

Only the API (``/rest/...``) is affected; ``/_emulator/...`` never is. Order
per request: count it, wait (latency), rate limit, random failure, then the API.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provisioner.emulator import contract as c
from provisioner.emulator.core import Emulator
from provisioner.emulator.problems import Refused

API_PREFIX = "/rest/"
DROPPED = "dropped"  # the status counted for an answer cut off mid-way


class ConnectionDropped(Exception):
    """Raised after the answer's head went out: the server closes the connection."""


@dataclass
class TokenBucket:
    """``rate`` requests per second with a burst of one second's worth."""

    rate: float
    tokens: float = 0.0
    stamp: float = 0.0

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate)

    def take(self) -> float:
        """0 when a token was taken, else the seconds until one is free."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class FaultMiddleware:
    """Counts every API request by route and status, and injects faults."""

    def __init__(
        self, app: ASGIApp, emulator: Emulator, routes: Sequence[BaseRoute]
    ) -> None:
        self.app = app
        self.emulator = emulator
        self.routes = routes
        self._bucket: TokenBucket | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        route = self._route_of(scope)
        status: list[int] = []

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self._faulty(scope, receive, counted)
        except ConnectionDropped:
            self.emulator.count(route, DROPPED)
            raise
        self.emulator.count(route, status[0] if status else DROPPED)

    async def _faulty(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults, rng = self.emulator.faults, self.emulator.rng
        # The request is fully received before the delay, as by a slow server:
        # a client that gives up meanwhile does not undo what it sent.
        receive = await _buffered(receive)
        if faults.latency_ms or faults.jitter_ms:
            delay_ms = faults.latency_ms + rng.uniform(0, faults.jitter_ms)
            await asyncio.sleep(delay_ms / 1000)
        refusal = self._refusal()
        if refusal is None:
            await self.app(scope, receive, send)
            return
        refused, headers = refusal
        response = self.emulator.dialect.refusal(refused, headers)
        await response(scope, receive, send)

    def _refusal(self) -> tuple[Refused, dict[str, str]] | None:
        faults, rng = self.emulator.faults, self.emulator.rng
        wait = self._rate_limited(faults.rate_limit)
        if wait:
            seconds = str(max(1, math.ceil(wait)))
            retry_after = self.emulator.dialect.retry_after_on_429
            headers = {"retry-after": seconds} if retry_after else {}
            return Refused(c.RATE_LIMITED, "too many requests"), headers
        if faults.fail_rate and rng.random() < faults.fail_rate:
            triple = rng.choice((c.SERVER_ERROR, c.UNAVAILABLE))
            return Refused(triple, "injected failure"), {}
        return None

    def _rate_limited(self, rate: float) -> float:
        if not rate:
            self._bucket = None
            return 0.0
        if self._bucket is None or self._bucket.rate != rate:
            self._bucket = TokenBucket(rate)
        return self._bucket.take()

    def _route_of(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return f"{scope['method']} {getattr(route, 'path', '?')}"
        return f"{scope['method']} (unmatched)"


async def _buffered(receive: Receive) -> Receive:
    """Read the whole request body now; replay it to the app later."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


class DroppedResponse(Response):
    """An answer that starts, then never finishes: the server hangs up mid-way."""

    def __init__(self) -> None:
        super().__init__(status_code=200, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        head = {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"1024"),
            ],
        }
        await send(head)
        await send(
            {"type": "http.response.body", "body": b'{"room": {', "more_body": True}
        )
        raise ConnectionDropped
