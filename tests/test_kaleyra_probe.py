"""Proving the address: one read that must succeed before any "gone" is believed.

A base URL with ``/rest`` twice, a proxy's page or a redirect make every room
look deleted; the probe says "wrong address" instead, and room reads at such
an address never say "not found".
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from provisioner.apply.patience import PatientClient
from provisioner.emulator import InProcessTransport
from provisioner.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    NotFoundError,
    ServerError,
    ValidationError,
    WrongAddressError,
)
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

if TYPE_CHECKING:
    from conftest import InProcess, ScriptedApi

PAGE = {"skip": 0, "limit": 1, "has_more": False, "count": 0, "rooms": []}
ONE_TRY = RetryPolicy(attempts=1, timeout=2.0)


def answer(status: int, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def probe(client: KaleyraClient) -> Any:
    return client.probe()


def test_the_probe_is_one_small_list_read(scripted: type[ScriptedApi]) -> None:
    server = scripted(answer(200, PAGE))
    assert server.run(probe) is None
    [sent] = server.requests
    assert (sent.method, sent.url.path) == ("GET", "/rest/room/list")
    assert dict(sent.url.params) == {"skip": "0", "limit": "1"}


@pytest.mark.parametrize(
    "response",
    [
        answer(200, {}),
        answer(200, {"user_id_list": []}),
        httpx.Response(200, text="<html>Sign in to the proxy</html>"),
        httpx.Response(302, headers={"location": "https://login.test/"}),
        httpx.Response(404, text="<html>Not Found</html>"),
        httpx.Response(404, text=""),
        answer(404, {"detail": "Not Found"}),
        answer(404, {"error": {"name": "invalid_request_error", "code": "x"}}),
        answer(404, {"name": "invalid_request_error", "code": "route_not_found"}),
        httpx.Response(400, text="<html>Bad Request</html>"),
        answer(405, {"error": "method_not_allowed", "message": "no"}),
    ],
)
def test_what_is_not_the_api_is_a_wrong_address(
    scripted: type[ScriptedApi], response: httpx.Response
) -> None:
    error = scripted(response).fails(probe, WrongAddressError)
    assert "KALEYRA_API_URL" in str(error)
    assert (error.method, error.path) == ("GET", "/rest/room/list")


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (answer(401, {"error": {"name": "invalid_api_key"}}), AuthError),
        (httpx.Response(401, text="Unauthorized"), AuthError),
        (httpx.Response(403, text="<html>Forbidden</html>"), AuthError),
        (answer(400, {"name": "x", "code": "invalid_api_key"}), AuthError),
        (
            answer(400, {"error": "invalid_request_error", "code": "bad_limit"}),
            ValidationError,
        ),
        (httpx.Response(503, text="<html>down</html>"), ServerError),
        (httpx.ConnectError, ConnectionFailed),
    ],
)
def test_what_the_probe_passes_on(
    scripted: type[ScriptedApi], response: Any, kind: type[ApiError]
) -> None:
    error = scripted(response).fails(probe, kind)
    assert type(error) is kind


# -- against the emulator ---------------------------------------------------------


def run(client: KaleyraClient, call: Callable[[KaleyraClient], Any]) -> Any:
    async def main() -> Any:
        async with client:
            return await call(client)

    return asyncio.run(main())


def at(emu: InProcess, base: str, key: str | None = None) -> KaleyraClient:
    return KaleyraClient(
        base,
        ApiKey(key or emu.config.api_key),
        retry=ONE_TRY,
        transport=InProcessTransport(emu.app),
    )


@pytest.fixture
def emu(inprocess: Callable[..., InProcess]) -> InProcess:
    return inprocess()


def test_the_emulator_passes_the_probe(emu: InProcess) -> None:
    assert run(at(emu, "http://emulator.test"), probe) is None


@pytest.mark.parametrize(
    "base", ["http://emulator.test/rest", "http://emulator.test/rest/"]
)
def test_a_base_url_ending_in_rest_is_named(emu: InProcess, base: str) -> None:
    with pytest.raises(WrongAddressError) as caught:
        run(at(emu, base), probe)
    assert "the base URL ends in /rest" in str(caught.value)


def test_a_room_read_at_a_wrong_address_is_not_a_room_gone(emu: InProcess) -> None:
    async def create(client: KaleyraClient) -> str:
        body = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
        return (await client.create_room(body)).room_id

    room_id = run(at(emu, "http://emulator.test"), create)
    with pytest.raises(WrongAddressError) as caught:
        run(at(emu, "http://emulator.test/rest"), lambda c: c.room_info(room_id))
    assert not isinstance(caught.value, NotFoundError)
    assert "ends in /rest" in str(caught.value)
    with pytest.raises(WrongAddressError):
        run(at(emu, "http://emulator.test/rest"), lambda c: c.get_user("alice"))


def test_a_wrong_key_is_an_auth_error(emu: InProcess) -> None:
    with pytest.raises(AuthError):
        run(at(emu, "http://emulator.test", key="ak_test_wrongwrongwrong"), probe)


def test_a_dead_port_is_a_connection_failure() -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    client = KaleyraClient(
        f"http://127.0.0.1:{port}", ApiKey("ak_test_x"), retry=ONE_TRY
    )
    with pytest.raises(ConnectionFailed):
        run(client, probe)


def test_the_engine_s_client_probes_too(emu: InProcess) -> None:
    async def through_patience(client: KaleyraClient) -> None:
        await PatientClient(client).probe()

    run(at(emu, "http://emulator.test"), through_patience)
    with pytest.raises(WrongAddressError):
        run(at(emu, "http://emulator.test/rest"), through_patience)
