"""The client against the in-process emulator: every endpoint, real answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from provisioner.errors import (
    AuthError,
    NotFoundError,
    OutcomeUnknownError,
    ValidationError,
)
from provisioner.kaleyra import KaleyraClient

if TYPE_CHECKING:
    from conftest import InProcess

PAIR = {"participants": [{"user_id": "alice", "is_admin": True}, {"user_id": "bob"}]}
Scenario = Callable[[KaleyraClient], Awaitable[Any]]


@pytest.fixture
def emu(inprocess: Callable[..., InProcess]) -> InProcess:
    return inprocess()


def run(emu: InProcess, scenario: Scenario, **client: Any) -> Any:
    async def main() -> Any:
        async with emu.client(**client) as api:
            return await scenario(api)

    return asyncio.run(main())


def test_room_lifecycle(emu: InProcess) -> None:
    async def scenario(api: KaleyraClient) -> None:
        body = {**PAIR, "description": "Standup", "duration": 900, "directCall": True}
        created = await api.create_room(body)
        assert set(created.urls) == {"alice", "bob"}
        assert all("/direct-rest-call-handler/" in u for u in created.urls.values())
        assert created.raw["duration"] == 900
        info = await api.room_info(created.room_id)
        assert (info.room_id, info.description, info.status) == (
            created.room_id,
            "Standup",
            "NOT_RUNNING",
        )
        assert (info.disabled, info.record, info.live, info.duration) == (
            False,
            False,
            False,
            900,
        )
        assert (info.call_type, info.urls) == ("audio_video", created.urls)
        await api.disable_room(created.room_id)
        disabled = await api.room_info(created.room_id)
        assert (disabled.disabled, disabled.urls) == (True, {})
        await api.delete_room(created.room_id)
        with pytest.raises(NotFoundError, match="room_not_found"):
            await api.room_info(created.room_id)

    run(emu, scenario)


def test_results_never_print_links(emu: InProcess) -> None:
    async def scenario(api: KaleyraClient) -> None:
        created = await api.create_room(PAIR)
        info = await api.room_info(created.room_id)
        for shown in (repr(created), repr(info), str(created), str(info)):
            assert "https://" not in shown
            assert created.room_id in shown

    run(emu, scenario)


def test_listing_is_newest_first_across_pages(emu: InProcess) -> None:
    async def scenario(api: KaleyraClient) -> None:
        before = datetime.now(UTC) - timedelta(seconds=1)
        ids = [
            (await api.create_room({**PAIR, "description": f"r{n}"})).room_id
            for n in range(5)
        ]
        page = await api.list_rooms(skip=1, limit=2)
        assert [r.room_id for r in page.rooms] == [ids[3], ids[2]]
        assert page.has_more
        walked = [room async for room in api.iter_rooms(page_size=2)]
        assert [r.room_id for r in walked] == ids[::-1]
        first = walked[0]
        assert (first.description, first.call_type, first.status) == (
            "r4",
            "audio_video",
            "NOT_RUNNING",
        )
        assert first.created_at.tzinfo is not None
        assert first.created_at.utcoffset() == timedelta(0)
        assert before <= first.created_at <= datetime.now(UTC)
        with pytest.raises(ValidationError, match="limit_validation_error"):
            await api.list_rooms(limit=101)

    run(emu, scenario)


def test_a_running_room_reads_as_running(emu: InProcess) -> None:
    async def scenario(api: KaleyraClient) -> str:
        created = await api.create_room(PAIR)
        emu.state.store.rooms[created.room_id].status = "RUNNING"
        return (await api.room_info(created.room_id)).status

    assert run(emu, scenario) == "RUNNING"


def test_revoking_one_link(emu: InProcess) -> None:
    async def scenario(api: KaleyraClient) -> None:
        created = await api.create_room(PAIR)
        token = created.urls["bob"].rsplit("/", 1)[1]
        await api.delete_token(token)
        assert set((await api.room_info(created.room_id)).urls) == {"alice"}
        with pytest.raises(NotFoundError) as caught:
            await api.delete_token(token)
        assert token not in str(caught.value)
        assert caught.value.path == "/rest/token/delete/***"

    run(emu, scenario)


def test_user_lifecycle(emu: InProcess) -> None:
    async def scenario(api: KaleyraClient) -> None:
        made = await api.create_user("carol", "basic", can_video=False, language="de")
        assert (made.user_id, made.role, made.can_video, made.language) == (
            "carol",
            "basic",
            False,
            "de",
        )
        assert await api.list_users() == ["alice", "bob", "carol"]
        assert (await api.get_user("carol")) == made
        changed = await api.update_user("carol", role="plus")
        assert (changed.role, changed.can_video) == ("plus", False)
        await api.delete_user("carol")
        with pytest.raises(NotFoundError, match="invalid_user_id"):
            await api.get_user("carol")

    run(emu, scenario)


@pytest.mark.parametrize(
    ("scenario", "kind", "code"),
    [
        (
            lambda api: api.create_room({"participants": [{"user_id": "bob"}] * 2}),
            ValidationError,
            "participants_validation_error",
        ),
        (
            lambda api: api.create_room(
                {"participants": [{"user_id": "alice"}, {"user_id": "zed"}]}
            ),
            ValidationError,
            "invalid_user_id",
        ),
        (
            lambda api: api.create_room({**PAIR, "initiatorAlias": "zed"}),
            ValidationError,
            "invalid_user_id",
        ),
        (
            lambda api: api.create_user("alice", "plus"),
            ValidationError,
            "user_id_already_exists",
        ),
        (
            lambda api: api.create_user("zed", "owner"),
            ValidationError,
            "role_validation_error",
        ),
        (lambda api: api.get_user("zed"), NotFoundError, "invalid_user_id"),
        (
            lambda api: api.update_user("zed", role="plus"),
            NotFoundError,
            "invalid_user_id",
        ),
        (lambda api: api.delete_user("zed"), NotFoundError, "invalid_user_id"),
        (
            lambda api: api.room_info("room_000000000000"),
            NotFoundError,
            "room_not_found",
        ),
        (
            lambda api: api.disable_room("room_000000000000"),
            NotFoundError,
            "room_not_found",
        ),
        (
            lambda api: api.delete_room("room_000000000000"),
            NotFoundError,
            "room_not_found",
        ),
    ],
)
def test_api_refusals_carry_the_api_code(
    emu: InProcess, scenario: Scenario, kind: type[Exception], code: str
) -> None:
    with pytest.raises(kind) as caught:
        run(emu, scenario)
    assert type(caught.value) is kind
    assert getattr(caught.value, "code", None) == code


def test_no_plus_participant(emu: InProcess) -> None:
    emu.state.store.create_user({"id": "carol", "role": "basic"})
    body = {"participants": [{"user_id": "bob"}, {"user_id": "carol"}]}
    with pytest.raises(ValidationError) as caught:
        run(emu, lambda api: api.create_room(body))
    assert caught.value.code == "no_plus_participant"
    assert caught.value.status == 400


def test_a_wrong_key_is_an_auth_error(emu: InProcess) -> None:
    with pytest.raises(AuthError) as caught:
        run(emu, lambda api: api.list_users(), api_key="ak_test_wrong")
    assert (caught.value.status, caught.value.code) == (401, "invalid_api_key")


@pytest.mark.parametrize("mode", ["error", "disconnect"])
def test_a_dropped_create_is_outcome_unknown_and_made_one_room(
    inprocess: Callable[..., InProcess], mode: str
) -> None:
    emu = inprocess(commit_then_drop=1.0, drop_mode=mode)
    with pytest.raises(OutcomeUnknownError):
        run(emu, lambda api: api.create_room(PAIR))
    assert len(emu.state.store.rooms) == 1
    counted = emu.state.requests["POST /rest/room/create"]
    assert sum(counted.values()) == 1
    assert counted == ({"500": 1} if mode == "error" else {"dropped": 1})
