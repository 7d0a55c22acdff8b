"""`provisioner drift`: every managed room and user read back, after proving the
address.

Refresh takes a room the API does not know for a room deleted outside the
provisioner. Against a wrong base URL every room would look deleted, so the
client's `probe()` (one read that must succeed, and must be the API's answer)
comes first: when it fails, the run is an error, never "everything drifted".
"""

from __future__ import annotations

from provisioner.apply.connect import client_for, require_key
from provisioner.apply.refresh import RefreshResult, refresh
from provisioner.model import Settings
from provisioner.state.document import State


async def read_drift(settings: Settings, state: State) -> RefreshResult:
    """Prove the address, then read every managed room and user back."""
    key = require_key("read the managed rooms back")
    async with client_for(settings, key) as client:
        await client.probe()
        return await refresh(client, state)
