"""Local Kaleyra API emulator.

contract.py   its own reading of the API: limits, enums, codes, [ASSUMED] points
dialect.py    the flavours: contract, or as the published reference's examples
validate.py   request bodies checked field by field (422s)
store.py      users, rooms and links, with the business rules (400s, 404s)
views.py      the JSON shapes of the answers
api.py        the /rest/... endpoints
control.py    /_emulator/... for tests: stats, config, room status, reset
faults.py     latency, rate limit, random 5xx, commit-then-drop; counting
core.py       the shared state object and its data file
app.py        create_app() and an in-process httpx transport
server.py     serving it with uvicorn on a socket of our own
"""

from provisioner.emulator.app import InProcessTransport, create_app, emulator_of
from provisioner.emulator.config import EmulatorConfig, Faults
from provisioner.emulator.core import Emulator

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "InProcessTransport",
    "create_app",
    "emulator_of",
]
