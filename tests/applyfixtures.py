"""In-process pieces for apply tests: an emulator, a client, plans, a state.

    from applyfixtures import Rig, spec, create, replace, delete

A `Rig` is an emulator app (users alice:plus, bob:basic, carol:basic) reached
through its in-process transport, and a local state file under tmp_path. Its
`apply(plan)` runs the real engine and returns the report and progress lines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any

from provisioner.apply.context import ApplyOptions
from provisioner.apply.ledger import ApplyReport
from provisioner.apply.progress import Progress
from provisioner.apply.run import ApplyRun
from provisioner.emulator import (
    EmulatorConfig,
    InProcessTransport,
    create_app,
    emulator_of,
)
from provisioner.emulator.store import Room
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy
from provisioner.kaleyra.session import OnRetry
from provisioner.model import RoomSpec, room_spec
from provisioner.plan import Action, Plan, RoomChange, UserChange
from provisioner.state.document import RoomRecord, State
from provisioner.state.local import LocalBackend

KEY = "ak_test_applyfixtures"
USERS = (("alice", "plus"), ("bob", "basic"), ("carol", "basic"))
FAST_RETRY = RetryPolicy(attempts=6, base=0.001, cap=0.01, timeout=5.0)
QUICK = ApplyOptions(reconcile_delay=0.0)


def spec(name: str, users: Sequence[str] = ("alice", "bob"), **fields: Any) -> RoomSpec:
    """A room spec as the config loader would build it."""
    room: dict[str, Any] = {"participants": [{"user_id": u} for u in users], **fields}
    return room_spec(name, room)


def create(room: RoomSpec) -> RoomChange:
    return RoomChange(
        Action.CREATE,
        room.name,
        request=room.request,
        fingerprint=room.fingerprint,
        prevent_destroy=room.prevent_destroy,
    )


def replace(room: RoomSpec, old: RoomRecord) -> RoomChange:
    return dc_replace(create(room), action=Action.REPLACE, room_id=old.room_id)


def delete(name: str, old: RoomRecord) -> RoomChange:
    return RoomChange(
        Action.DELETE, name, room_id=old.room_id, fingerprint=old.fingerprint
    )


def user_put(user_id: str, role: str, action: Action = Action.CREATE) -> UserChange:
    after = {"user_id": user_id, "role": role, "can_video": True, "language": None}
    return UserChange(action, user_id, after=after)


def plan_of(
    *rooms: RoomChange,
    users: Iterable[UserChange] = (),
    on_replace: str = "disable",
    state: State | None = None,
) -> Plan:
    return Plan(
        rooms=tuple(rooms),
        users=tuple(users),
        on_replace=on_replace,
        lineage=state.lineage if state else None,
        serial=state.serial if state else 0,
    )


@dataclass
class Rig:
    """An in-process emulator and a local state file."""

    tmp_path: Path
    faults: Mapping[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        config = EmulatorConfig(api_key=KEY, users=USERS, seed=7, **self.faults)
        self.app = create_app(config)
        self.emulator = emulator_of(self.app)
        self.backend = LocalBackend(self.tmp_path / "rooms.state.json")

    def client(
        self, retry: RetryPolicy = FAST_RETRY, on_retry: OnRetry | None = None
    ) -> KaleyraClient:
        return KaleyraClient(
            "http://emulator.test",
            ApiKey(KEY),
            retry=retry,
            transport=InProcessTransport(self.app),
            on_retry=on_retry,
        )

    def state(self) -> State:
        return LocalBackend(self.backend.path).read()

    def apply(
        self,
        plan: Plan,
        options: ApplyOptions = QUICK,
        external_users: Iterable[str] = (),
        recover: bool = True,
    ) -> ApplyReport:
        return asyncio.run(self._apply(plan, options, external_users, recover))

    async def _apply(
        self,
        plan: Plan,
        options: ApplyOptions,
        external_users: Iterable[str],
        recover: bool,
    ) -> ApplyReport:
        progress = Progress(self.lines.append)
        async with self.client(on_retry=progress.retry) as client:
            run = ApplyRun(self.backend, self.backend.read(), client, options, progress)
            if recover:
                await run.recover()
            return await run.execute(plan, external_users)

    def rooms(self) -> list[Room]:
        """Rooms on the emulator that still work (not disabled, not deleted)."""
        return [r for r in self.emulator.store.rooms.values() if r.usable]

    def every_room(self) -> list[Room]:
        return list(self.emulator.store.rooms.values())

    def make_room(self, room: RoomSpec) -> Room:
        """A room created directly on the emulator (outside the provisioner)."""
        request = {k: v for k, v in room.request.items() if k != "participants"}
        store = self.emulator.store
        return store.create_room(
            {**request, "participants": list(room.request["participants"])},
            dict(room.request),
        )

    def requests(self, route: str) -> int:
        return sum(self.emulator.requests.get(route, {}).values())
