"""The emulator behind a fault layer the soak needs and the emulator lacks.

    python benchmarks/chaos.py [--seed N] [--p429 0.05] [--p5xx-before 0.05]
        [--p5xx-after 0.05] [--p-drop 0.02] [--latency MS] [--jitter MS]
        [--user ID:ROLE]...

Prints its URL (`http://127.0.0.1:PORT`) once it is listening, as
`provisioner emulator` does; the accepted key is `KALEYRA_API_KEY`.

Why not the emulator's own knobs: its 429s come from a token bucket (a rate,
not a share of requests), its `commit_then_drop` covers room creates only and
takes one drop mode at a time. The soak wants, on every API request:

- `p429`: 429 with `Retry-After: 1`, nothing done;
- `p5xx_before`: 500 or 503, nothing done (as the emulator's `fail_rate`);
- `p5xx_after`: the request IS done, then the answer replaced by a 500
  (a create makes its room, a delete deletes, a disable disables);
- `p_drop`: the request IS done, then the answer's head and half a body go
  out and the connection is closed (as the emulator's `disconnect` mode).

One draw per request decides, in that order. Latency and jitter are the
emulator's own knobs (applied inside, after this layer decides). Counts of
every injected fault, by route, are at `GET /_chaos/stats`; the emulator's
`/_emulator/...` control API is never faulted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import secrets
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from reliability import serving
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provisioner.emulator import EmulatorConfig, create_app, emulator_of
from provisioner.emulator import contract as c
from provisioner.emulator.faults import ConnectionDropped
from provisioner.emulator.problems import Refused
from provisioner.emulator.server import bind, url_of

API_PREFIX = "/rest/"
STATS_PATH = "/_chaos/stats"
KINDS = ("429", "5xx_before", "5xx_after", "dropped")


@dataclass(frozen=True)
class Chaos:
    """Shares (0..1) of API requests that meet each fault."""

    p429: float = 0.05
    p5xx_before: float = 0.05
    p5xx_after: float = 0.05
    p_drop: float = 0.02

    def pick(self, draw: float) -> str | None:
        """The fault a uniform draw in [0, 1) lands on, or None."""
        edge = 0.0
        for kind, share in zip(KINDS, self.shares(), strict=True):
            edge += share
            if draw < edge:
                return kind
        return None

    def shares(self) -> tuple[float, float, float, float]:
        return (self.p429, self.p5xx_before, self.p5xx_after, self.p_drop)


class ChaosMiddleware:
    """Injects `Chaos` faults into /rest/ requests; serves /_chaos/stats."""

    def __init__(self, app: Starlette, chaos: Chaos, seed: int) -> None:
        self.app = app
        self.dialect = emulator_of(app).dialect
        self.chaos = chaos
        self.rng = random.Random(seed)
        self.injected: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path == STATS_PATH:
            await self._stats(send)
            return
        if scope["type"] != "http" or not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        self.requests += 1
        kind = self.chaos.pick(self.rng.random())
        if kind is None:
            await self.app(scope, receive, send)
            return
        self.injected[kind][f"{scope['method']} {_route(path)}"] += 1
        if kind in ("5xx_after", "dropped"):
            await self.app(scope, receive, _swallow)  # the work is done ...
        if kind == "dropped":
            await _hang_up(send)  # ... and the answer lost half-way
            return
        if kind == "429":
            refused, headers = Refused(c.RATE_LIMITED, "chaos"), {"retry-after": "1"}
        else:
            triple = self.rng.choice((c.SERVER_ERROR, c.UNAVAILABLE))
            refused, headers = Refused(triple, "chaos"), {}
        await self.dialect.refusal(refused, headers)(scope, receive, send)

    async def _stats(self, send: Send) -> None:
        body = {
            "requests": self.requests,
            "injected": {k: dict(v) for k, v in self.injected.items()},
            "totals": {k: sum(self.injected[k].values()) for k in KINDS},
            "chaos": asdict(self.chaos),
        }
        await _answer_json(send, json.dumps(body).encode())


def _route(path: str) -> str:
    """`/rest/room/info/room_x` -> `/rest/room/info/{id}`: counts per route."""
    parts = path.split("/")
    known = {"create", "list"}
    if len(parts) > 4 and parts[3] not in known:
        parts[4:] = ["{id}"]
    return "/".join(parts)


async def _swallow(message: Message) -> None:
    """Where the real answer goes when the client must not see it."""


async def _answer_json(send: Send, body: bytes) -> None:
    raw = [(b"content-type", b"application/json")]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _hang_up(send: Send) -> None:
    head = [(b"content-type", b"application/json"), (b"content-length", b"1024")]
    await send({"type": "http.response.start", "status": 200, "headers": head})
    await send({"type": "http.response.body", "body": b'{"room": {', "more_body": True})
    raise ConnectionDropped


def _quiet_drops(record: logging.LogRecord) -> bool:
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, ConnectionDropped)


@contextmanager
def running(*flags: str, key: str | None = None) -> Iterator[tuple[str, str]]:
    """This script as a subprocess: yields (url, api key)."""
    key = key or "ak_test_" + secrets.token_hex(8)
    env = {**os.environ, "KALEYRA_API_KEY": key}
    env.pop("KALEYRA_API_URL", None)
    with serving([sys.executable, str(Path(__file__)), *flags], env) as url:
        yield url, key


def chaos_stats(url: str) -> dict[str, Any]:
    """What the fault layer injected: GET /_chaos/stats."""
    stats: dict[str, Any] = httpx.get(url + STATS_PATH, timeout=30).json()
    return stats


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--p429", type=float, default=0.05)
    parser.add_argument("--p5xx-before", type=float, default=0.05)
    parser.add_argument("--p5xx-after", type=float, default=0.05)
    parser.add_argument("--p-drop", type=float, default=0.02)
    parser.add_argument("--latency", type=float, default=0.0, help="ms")
    parser.add_argument("--jitter", type=float, default=0.0, help="ms")
    parser.add_argument("--user", action="append", default=[], help="ID:ROLE")
    return parser.parse_args(argv)


async def _serve(app: ASGIApp, port: int) -> None:
    sock = bind("127.0.0.1", port)
    server = uvicorn.Server(
        uvicorn.Config(app, loop="asyncio", lifespan="off", log_level="warning")
    )
    with sock:
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:
            print(url_of(sock), flush=True)
        await serving


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    users = tuple(tuple(u.split(":", 1)) for u in args.user)
    config = EmulatorConfig(
        os.environ["KALEYRA_API_KEY"],
        latency_ms=args.latency,
        jitter_ms=args.jitter,
        users=users,  # type: ignore[arg-type]
        seed=args.seed,
    )
    chaos = Chaos(args.p429, args.p5xx_before, args.p5xx_after, args.p_drop)
    app = ChaosMiddleware(create_app(config), chaos, args.seed)
    logging.getLogger("uvicorn.error").addFilter(_quiet_drops)
    try:
        asyncio.run(_serve(app, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
