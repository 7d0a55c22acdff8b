"""Serving the emulator with uvicorn on a loopback socket we bind ourselves.

Binding first lets port 0 pick a free port whose URL we know; the URL is
announced only once uvicorn has started serving on that socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import ipaddress
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
import uvicorn.config

from provisioner.emulator.app import create_app
from provisioner.emulator.config import EmulatorConfig
from provisioner.emulator.faults import ConnectionDropped
from provisioner.errors import ProvisionerError

_POLL_SECONDS = 0.01


def serve(
    config: EmulatorConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[str], None],
    access_log: bool = False,
) -> None:
    """Serve until SIGINT or SIGTERM; ``on_ready(url)`` once it is listening."""
    try:
        app = create_app(config)
    except ValueError as exc:
        raise ProvisionerError(f"emulator: {exc}") from None
    sock = bind(host, port)
    server = _Server(
        uvicorn.Config(
            app,
            loop="asyncio",
            lifespan="off",
            access_log=access_log,
            log_config=_log_config(),
            log_level="info" if access_log else "warning",
            timeout_graceful_shutdown=2,
        )
    )
    logging.getLogger("uvicorn.error").addFilter(_hide_drops)
    with sock:
        asyncio.run(_run(server, sock, on_ready))


def _log_config() -> dict[str, Any]:
    """uvicorn's logging with the access log on stderr, as documented.

    uvicorn writes it to stdout by default, where a script reading the URL
    from the first line would find request lines after it.
    """
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    return config


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on a loopback address."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ProvisionerError(
            f"--host: expected an IP address, got {host!r}"
        ) from None
    if not address.is_loopback:
        raise ProvisionerError(
            f"--host: the emulator listens on loopback only, not {host}"
        )
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only
    # when their proto says TCP; proto 0 meant 40 ms Nagle stalls per answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ProvisionerError(
            f"cannot listen on {host}:{port}: {exc.strerror}"
        ) from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _run(
    server: uvicorn.Server, sock: socket.socket, on_ready: Callable[[str], None]
) -> None:
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(_POLL_SECONDS)
    if server.started:
        on_ready(url_of(sock))
    await serving


class _Server(uvicorn.Server):
    """uvicorn, minus re-raising the signal after a graceful stop: we exit 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _hide_drops(record: logging.LogRecord) -> bool:
    # A commit-then-drop fault hangs up on purpose: not an error worth a traceback.
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, ConnectionDropped)
