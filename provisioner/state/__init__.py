"""The state document and its backends.

`open_backend` picks the backend for a `state:` setting: a file path (relative
to the project root) is the local backend; a `postgresql://` DSN names the
Postgres backend, which this version does not ship.
"""

from __future__ import annotations

import re
from pathlib import Path

from provisioner.errors import StateError
from provisioner.state.document import StateBackend

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES = ("postgres", "postgresql")


def open_backend(location: str, root: Path) -> StateBackend:
    """The backend for a `state:` setting (a file path relative to `root`)."""
    if not location.strip():
        raise StateError(
            "the state location is empty; set `state:` in provisioner.yaml"
        )
    scheme = _SCHEME.match(location)
    if scheme:
        name = scheme.group(1).lower()
        if name.split("+")[0] in _POSTGRES:
            raise StateError("the postgres backend is not available in this version")
        raise StateError(
            f"unsupported state location scheme {name}://; use a file path"
        )
    # Imported here: the plan stage reads State without loading the file lock.
    from provisioner.state.local import LocalBackend

    path = Path(location).expanduser()
    return LocalBackend(path if path.is_absolute() else root / path)
