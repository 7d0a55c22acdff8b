"""``provisioner emulator`` as a process: flags, seeding, data file, signals."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import EmulatorProcess

PAIR = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
Spawn = Callable[..., "EmulatorProcess"]


def call(
    process: EmulatorProcess, method: str, path: str, **kw: object
) -> httpx.Response:
    headers = {"apikey": process.api_key}
    return httpx.request(method, process.url + path, headers=headers, **kw)  # type: ignore[arg-type]


def run_cli(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KALEYRA_")}
    return subprocess.run(
        [sys.executable, "-m", "provisioner", "emulator", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=20,
        check=False,
    )


def test_prints_its_url_and_seeds_users(spawn_emulator: Spawn) -> None:
    process = spawn_emulator("--user", "frontdesk:basic", "--user", "dr.lee:plus")
    assert process.url.startswith("http://127.0.0.1:")
    ids = call(process, "GET", "/rest/user/list").json()["user_id_list"]
    assert ids == ["frontdesk", "dr.lee"]
    lee = call(process, "GET", "/rest/user/list/dr.lee").json()["user"]
    assert lee["role"] == "plus"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_and_quietly_on_signals(spawn_emulator: Spawn, sig: int) -> None:
    process = spawn_emulator("--user", "alice:plus", "--user", "bob:basic")
    assert call(process, "POST", "/rest/room/create", json=PAIR).status_code == 200
    assert call(process, "GET", "/rest/room/list").status_code == 200
    assert process.stop(sig) == 0
    assert process.stderr_text == ""  # no access log, no traceback


def test_the_access_log_goes_to_stderr_leaving_stdout_to_the_url(
    spawn_emulator: Spawn,
) -> None:
    process = spawn_emulator("--access-log")
    assert call(process, "GET", "/rest/user/list").status_code == 200
    assert process.proc.stdout is not None
    process.proc.send_signal(signal.SIGTERM)
    process.proc.wait(timeout=10)
    after_the_url = process.proc.stdout.read().decode()
    assert process.stop() == 0
    assert after_the_url == ""
    assert '"GET /rest/user/list HTTP/1.1" 200' in process.stderr_text


def test_a_disconnect_fault_leaves_no_traceback(spawn_emulator: Spawn) -> None:
    process = spawn_emulator(
        "--user", "alice:plus", "--user", "bob:basic", "--drop-rate", "1",
        "--drop-mode", "disconnect",
    )  # fmt: skip
    with pytest.raises(httpx.RemoteProtocolError):
        call(process, "POST", "/rest/room/create", json=PAIR)
    assert process.stop() == 0
    assert "Traceback" not in process.stderr_text


def test_data_file_survives_a_restart(spawn_emulator: Spawn, data_file: Path) -> None:
    first = spawn_emulator("--data", str(data_file), "--user", "alice:plus")
    call(first, "POST", "/rest/user/create", json={"id": "bob", "role": "basic"})
    room = call(first, "POST", "/rest/room/create", json=PAIR).json()["room"]
    gone = call(first, "POST", "/rest/room/create", json=PAIR).json()["room"]
    call(first, "DELETE", f"/rest/room/delete/{gone['room_id']}")
    first.stop()
    assert stat.S_IMODE(data_file.stat().st_mode) == 0o600

    second = spawn_emulator("--data", str(data_file), api_key=first.api_key)
    info = call(second, "GET", f"/rest/room/info/{room['room_id']}").json()["room"]
    assert [u["url"] for u in info["user_urls"]] == [
        u["url"] for u in room["user_urls"]
    ]
    assert call(second, "GET", "/rest/user/list").json()["user_id_list"] == [
        "alice",
        "bob",
    ]
    token = room["user_urls"][0]["url"].rsplit("/", 1)[1]
    assert call(second, "DELETE", f"/rest/token/delete/{token}").status_code == 200
    audit = httpx.get(second.url + "/_emulator/stats").json()["rooms"]
    assert [r["deleted"] for r in audit] == [False, True]


def test_a_key_is_required() -> None:
    result = run_cli("--port", "0")
    assert result.returncode == 1
    assert "KALEYRA_API_KEY" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--host", "0.0.0.0"), "loopback only"),
        (("--host", "example.com"), "expected an IP address"),
        (("--user", "alice:owner"), "role"),
        (("--user", "bad id:plus"), "bad id"),
        (("--latency", "inf"), "latency_ms"),
        (("--data", "/nonexistent/dir/state.json"), "cannot write emulator data"),
        (("--rate-limit", "nan"), "rate_limit"),
    ],
)
def test_refuses_bad_flags_in_one_line(args: tuple[str, ...], message: str) -> None:
    result = run_cli("--port", "0", *args, env={"KALEYRA_API_KEY": "k"})
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args", [("--user", "alice"), ("--fail-rate", "2"), ("--drop-mode", "boom")]
)
def test_refuses_malformed_flags_as_usage_errors(args: tuple[str, ...]) -> None:
    result = run_cli("--port", "0", *args, env={"KALEYRA_API_KEY": "k"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("--port", str(port), env={"KALEYRA_API_KEY": "k"})
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_damaged_data_file_is_a_clear_error(data_file: Path) -> None:
    data_file.write_text("{not json")
    result = run_cli(
        "--port", "0", "--data", str(data_file), env={"KALEYRA_API_KEY": "k"}
    )
    assert result.returncode == 1
    assert "cannot read emulator data" in result.stderr
