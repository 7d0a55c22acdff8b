"""`provisioner drift`: every managed room and user read back, after proving the
address.

Refresh takes a room the API does not know for a room deleted outside the
provisioner. Against a wrong base URL every room would look deleted, so one
read that must succeed comes first (the client's `probe()` where it has one,
else the first page of the room list, one room long): when it fails, the run
is an error, never "everything drifted".
"""

from __future__ import annotations

from typing import Any

from provisioner.apply.refresh import RefreshResult, refresh
from provisioner.model import Settings
from provisioner.state.document import State


async def prove_address(client: Any) -> None:
    """One read that must succeed before any answer is believed."""
    probe = getattr(client, "probe", None)
    if probe is not None:
        await probe()
        return
    await client.list_rooms(0, 1)


async def read_drift(settings: Settings, state: State) -> RefreshResult:
    """Prove the address, then read every managed room and user back."""
    from provisioner.apply.connect import client_for, require_key

    key = require_key("read the managed rooms back")
    async with client_for(settings, key) as client:
        await prove_address(client)
        return await refresh(client, state)
