"""Shared fixtures: the local Kaleyra API emulator, over real HTTP and in-process.

``emulator`` — a real ``python -m provisioner emulator --port 0`` subprocess
on 127.0.0.1, started once per test session and flavour and reset before every
test (no rooms, no users, no faults, zeroed counters), so using it costs one
HTTP call. Its flavour is ``contract``, unless the test is marked ``e2e``: then
it runs once per flavour named in ``$PROVISIONER_TEST_FLAVOURS`` (see
``e2ekit.e2e_flavours``; ``contract`` alone by default).

    emulator.url                 "http://127.0.0.1:PORT" (no trailing slash)
    emulator.flavour             "contract" | "docs" (how it answers)
    emulator.api_key             the key it accepts (a str; random per session)
    emulator.env                 {"KALEYRA_API_URL": url, "KALEYRA_API_KEY": key}:
                                 merge into os.environ to run the CLI against it
    emulator.stats()             GET /_emulator/stats -> dict with
                                 "requests" {"POST /rest/room/create": {"200": 1}},
                                 "total_requests", "rooms" (every room ever
                                 created, deleted ones too: room_id, description,
                                 created_at, status, disabled, deleted, request,
                                 received, participants), "users", "faults"
    emulator.rooms()             stats()["rooms"]
    emulator.count(route, status=None)  requests to "METHOD /path/{param}"
    emulator.settle(route, n)    the count once it reaches n: in-flight requests
                                 are counted when their answer goes out
    emulator.configure(**faults) latency_ms, jitter_ms, rate_limit, fail_rate,
                                 commit_then_drop, drop_mode ("error"|"disconnect")
    emulator.set_status(room_id, status)  NOT_RUNNING | RUNNING | CLOSED
    emulator.reset()
    emulator.add_user(user_id, role)      through the API (POST /rest/user/create)
    emulator.api(method, path, **kw)      an authenticated httpx call to the API

``spawn_emulator(*flags, env=None)`` starts another emulator process with
extra CLI flags (``--user``, ``--data``...) and stops it at teardown.

``people`` — ``emulator`` with users alice (plus), bob and carol (basic).

``emulator.expect_error(response, status, code)`` asserts the API's JSON
error envelope (nested, or flat in the docs flavour) with that status and code
and returns the error object.

``shared_folder`` — a fresh folder the user nobody can enter, for tests that run
the CLI as nobody (``nobodykit``: root reads every file whatever its mode).

``inprocess(users=(("alice", "plus"), ("bob", "basic")), **settings)`` builds
an emulator app in this process (``settings``: faults, ``flavour``...):
``.state`` (the Emulator object), ``.client(retry=..., ...)`` (a KaleyraClient
over ``InProcessTransport``).

``scripted(*steps)`` plays the API from a script for exact failure injection:
each step is an ``httpx.Response`` or an httpx exception class, answered in
order (the last repeats); ``.requests`` records what the client sent,
``.run(call)`` runs ``call(client)`` against it, ``.fails(call, ErrorType)``
also checks the error is safe to show (not chained, no key, token or URL).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2ekit import E2E_MARKER, e2e_flavours
from nobodykit import shared_folder  # noqa: F401  (a fixture: see nobodykit)
from pgkit import pg_cluster, pg_state  # noqa: F401  (fixtures: a private PostgreSQL)

from provisioner.emulator import (
    Emulator,
    EmulatorConfig,
    InProcessTransport,
    create_app,
    emulator_of,
)
from provisioner.emulator.dialect import DEFAULT_FLAVOUR
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

START_TIMEOUT = 20.0
FAST_RETRY = RetryPolicy(attempts=3, base=0.01, cap=0.05, timeout=5.0)


def new_api_key() -> str:
    return "ak_test_" + secrets.token_hex(12)


class EmulatorProcess:
    """A running ``provisioner emulator`` subprocess and its printed URL."""

    def __init__(self, *flags: str, api_key: str, env: dict[str, str] | None = None):
        self.api_key = api_key
        self.stderr_text = ""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        full_env = {**os.environ, "KALEYRA_API_KEY": api_key, **(env or {})}
        full_env.pop("KALEYRA_API_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "provisioner", "emulator", "--port", "0", *flags],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=full_env,
        )
        self.url = self._read_url()

    def _read_url(self) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"emulator did not start: {line!r} {self.stderr()}")
        return line

    def stderr(self) -> str:
        """What it wrote to stderr so far (kept as ``stderr_text`` after stop)."""
        if self._stderr.closed:
            return self.stderr_text
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop it with ``sig``; its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.stderr_text = self.stderr()
        self._stderr.close()
        return self.proc.returncode


class EmulatorHandle:
    """Test-side remote control of a running emulator (see the module doc)."""

    def __init__(self, url: str, api_key: str, flavour: str = DEFAULT_FLAVOUR) -> None:
        self.url = url
        self.api_key = api_key
        self.flavour = flavour
        self.env = {"KALEYRA_API_URL": url, "KALEYRA_API_KEY": api_key}
        self._http = httpx.Client(base_url=url, timeout=10.0)

    def close(self) -> None:
        self._http.close()

    def _control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        if body is None and path == "stats":
            response = self._http.get(f"/_emulator/{path}")
        else:
            response = self._http.post(f"/_emulator/{path}", json=body or {})
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._control("stats")
        return stats

    def rooms(self) -> list[dict[str, Any]]:
        rooms: list[dict[str, Any]] = self.stats()["rooms"]
        return rooms

    def count(self, route: str, status: int | str | None = None) -> int:
        counts: dict[str, int] = self.stats()["requests"].get(route, {})
        if status is None:
            return sum(counts.values())
        return counts.get(str(status), 0)

    def settle(self, route: str, expected: int, timeout: float = 5.0) -> int:
        """The count for ``route`` once it reaches ``expected`` (or ``timeout``).

        Requests are counted when their answer is sent, so one the client gave
        up on (a timeout) is counted only when the emulator finishes it.
        """
        wait_until(lambda: self.count(route) >= expected, timeout)
        return self.count(route)

    def configure(self, **faults: Any) -> dict[str, Any]:
        config: dict[str, Any] = self._control("config", faults)
        return config

    def set_status(self, room_id: str, status: str) -> None:
        self._control(f"rooms/{room_id}/status", {"status": status})

    def reset(self) -> None:
        self._control("reset", {})

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"apikey": self.api_key, **kwargs.pop("headers", {})}
        return self._http.request(method, path, headers=headers, **kwargs)

    def expect_error(
        self, response: httpx.Response, status: int, code: str
    ) -> dict[str, Any]:
        """Assert the API's error envelope in this flavour (see ``expect_error``)."""
        return expect_error(response, status, code, flat=self.flavour == "docs")

    def add_user(self, user_id: str, role: str) -> dict[str, Any]:
        response = self.api(
            "POST", "/rest/user/create", json={"id": user_id, "role": role}
        )
        response.raise_for_status()
        user: dict[str, Any] = response.json()["user"]
        return user


def expect_error(
    response: httpx.Response, status: int, code: str, *, flat: bool = False
) -> dict[str, Any]:
    """Assert the API's JSON error envelope with this status and code.

    ``flat``: the docs flavour's ``{"name", "code", "message"}``; else the
    contract's ``{"error": {"name", "code", "message"}}``.
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    error: dict[str, Any] = body if flat else body["error"]
    assert set(error) == {"name", "code", "message"}
    assert error["code"] == code
    return error


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{E2E_MARKER}: end-to-end; its emulator runs once per flavour named in "
        "$PROVISIONER_TEST_FLAVOURS (default: contract)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """An ``e2e`` test that uses the emulator runs once per flavour."""
    marked = metafunc.definition.get_closest_marker(E2E_MARKER) is not None
    if marked and "emulator" in metafunc.fixturenames:
        metafunc.parametrize("flavour", e2e_flavours(os.environ), indirect=True)


class EmulatorPool:
    """One emulator process per flavour, started when a test first needs it."""

    def __init__(self) -> None:
        self._running: dict[str, tuple[EmulatorProcess, EmulatorHandle]] = {}

    def get(self, flavour: str) -> EmulatorHandle:
        if flavour not in self._running:
            flags = ("--seed", "7", "--flavour", flavour)
            process = EmulatorProcess(*flags, api_key=new_api_key())
            handle = EmulatorHandle(process.url, process.api_key, flavour)
            self._running[flavour] = (process, handle)
        return self._running[flavour][1]

    def close(self) -> None:
        for process, handle in self._running.values():
            handle.close()
            process.stop()


@pytest.fixture(scope="session")
def _emulators() -> Iterator[EmulatorPool]:
    pool = EmulatorPool()
    yield pool
    pool.close()


@pytest.fixture
def flavour(request: pytest.FixtureRequest) -> str:
    """The emulator's flavour: a parameter of ``e2e`` tests, else the default."""
    return str(getattr(request, "param", DEFAULT_FLAVOUR))


@pytest.fixture
def emulator(_emulators: EmulatorPool, flavour: str) -> EmulatorHandle:
    """The shared emulator subprocess of this flavour, reset for this test."""
    handle = _emulators.get(flavour)
    handle.reset()
    return handle


@pytest.fixture
def people(emulator: EmulatorHandle) -> EmulatorHandle:
    """The emulator with alice (plus), bob and carol (basic)."""
    emulator.add_user("alice", "plus")
    emulator.add_user("bob", "basic")
    emulator.add_user("carol", "basic")
    return emulator


@pytest.fixture
def spawn_emulator() -> Iterator[Callable[..., EmulatorProcess]]:
    """Start extra emulator processes with their own flags; all stopped after."""
    started: list[EmulatorProcess] = []

    def spawn(*flags: str, api_key: str | None = None, **kw: Any) -> EmulatorProcess:
        process = EmulatorProcess(*flags, api_key=api_key or new_api_key(), **kw)
        started.append(process)
        return process

    yield spawn
    for process in started:
        process.stop()


@dataclass
class InProcess:
    """An emulator app in this process, and clients bound to it."""

    config: EmulatorConfig
    app: Any = field(init=False)

    def __post_init__(self) -> None:
        self.app = create_app(self.config)

    @property
    def state(self) -> Emulator:
        return emulator_of(self.app)

    def client(
        self,
        retry: RetryPolicy = FAST_RETRY,
        api_key: str | None = None,
        on_retry: Callable[[str, float], None] | None = None,
    ) -> KaleyraClient:
        return KaleyraClient(
            "http://emulator.test",
            ApiKey(api_key or self.config.api_key),
            retry=retry,
            transport=InProcessTransport(self.app),
            on_retry=on_retry,
        )


@pytest.fixture
def inprocess() -> Callable[..., InProcess]:
    """Build an in-process emulator: ``inprocess(users=..., **settings)``."""

    def build(
        users: tuple[tuple[str, str], ...] = (("alice", "plus"), ("bob", "basic")),
        **settings: Any,
    ) -> InProcess:
        config = EmulatorConfig(new_api_key(), users=users, seed=3, **settings)
        return InProcess(config)

    return build


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``check`` until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    return tmp_path / "emulator.json"


SCRIPT_KEY = "ak_test_5ecret5ecret5ecret"
SCRIPT_POLICY = RetryPolicy(attempts=3, base=0.001, cap=0.01, timeout=2.0)
Step = httpx.Response | type[Exception]
Call = Callable[[KaleyraClient], Awaitable[Any]]


class ScriptedApi:
    """An httpx.MockTransport handler answering from a script (see module doc)."""

    key = SCRIPT_KEY  # the key its clients send

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, httpx.Response):
            return step
        # The text quotes the URL, as httpx's own errors can: it must not leak.
        raise step(f"simulated failure for {request.url}", request=request)  # type: ignore[call-arg]

    def run(
        self,
        call: Call,
        policy: RetryPolicy = SCRIPT_POLICY,
        retries: list[tuple[str, float]] | None = None,
    ) -> Any:
        """``call(client)`` with a client whose transport is this script."""
        seen = retries if retries is not None else []

        async def scenario() -> Any:
            async with KaleyraClient(
                "https://api.test",
                ApiKey(SCRIPT_KEY),
                retry=policy,
                transport=httpx.MockTransport(self),
                on_retry=lambda what, delay: seen.append((what, delay)),
            ) as client:
                return await call(client)

        return asyncio.run(scenario())

    def fails(self, call: Call, kind: type[Exception], *secrets: str) -> Any:
        """The ``kind`` error ``call`` raises, checked to be safe to show."""
        with pytest.raises(kind) as caught:
            self.run(call)
        error = caught.value
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
        for secret in (SCRIPT_KEY, "https://", *secrets):
            assert secret not in str(error)
        return error


@pytest.fixture
def scripted() -> type[ScriptedApi]:
    """``scripted(*steps)``: a ScriptedApi (see the module doc)."""
    return ScriptedApi


@pytest.fixture
def estate_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder, made the current directory for the test."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GitHub Actions or GitLab CI variables: the suite may itself run in CI."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "GITLAB_", "CI_", "RUNNER_")) or name == "CI":
            monkeypatch.delenv(name)
