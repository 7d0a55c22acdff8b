"""Refresh reads every managed room back and reports drift and running calls."""

from __future__ import annotations

import asyncio
from pathlib import Path

from applyfixtures import Rig, create, plan_of, spec

from provisioner.apply.refresh import RefreshResult, refresh


def test_refresh_reports_drift_and_running_rooms(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    names = ["deleted", "disabled", "closed", "running", "fine"]
    rig.apply(plan_of(*(create(spec(n)) for n in names)))
    state = rig.state()
    store = rig.emulator.store
    store.delete(state.rooms["deleted"].room_id)
    store.disable(state.rooms["disabled"].room_id)
    store.room(state.rooms["closed"].room_id).status = "CLOSED"
    store.room(state.rooms["running"].room_id).status = "RUNNING"

    async def main() -> RefreshResult:
        async with rig.client() as client:
            return await refresh(client, state, parallelism=2)

    result = asyncio.run(main())
    assert result.drift == {
        "deleted": "deleted outside the provisioner",
        "disabled": "disabled outside the provisioner",
        "closed": "closed outside the provisioner",
    }
    assert result.running == {"running"}
