"""The state document and its backends.

`open_backend` picks the backend for a `state:` setting: a file path (relative
to the project root) is the local backend; a `postgresql://` URL is the shared
PostgreSQL backend, imported only then (psycopg is an optional extra, and a
command on a local state never loads it). `backend_for` does the same from
the settings, with their history and lease lengths.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from provisioner.errors import StateError
from provisioner.state.document import StateBackend
from provisioner.state.location import is_postgres, parse_postgres, scheme_of

if TYPE_CHECKING:
    from provisioner.model import Settings

MISSING_DRIVER = (
    "the postgresql:// state needs the driver psycopg: install the `postgres` "
    "extra (pip install 'kaleyra-rooms[postgres]')"
)


def backend_for(settings: Settings, location: str | None = None) -> StateBackend:
    """The settings' state (or `location`, relative to the project root)."""
    return open_backend(
        settings.state if location is None else location,
        settings.root,
        history_keep=settings.state_history_keep,
        lease_seconds=settings.lock_lease_seconds,
    )


def open_backend(
    location: str,
    root: Path,
    history_keep: int = 100,
    lease_seconds: float = 60,
) -> StateBackend:
    """The backend for a `state:` setting (a file path relative to `root`)."""
    if not location.strip():
        raise StateError(
            "the state location is empty; set `state:` in provisioner.yaml"
        )
    if is_postgres(location):
        return _postgres(location, history_keep, lease_seconds)
    scheme = scheme_of(location)
    if scheme is not None:
        raise StateError(
            f"unsupported state location scheme {scheme}://; use a file path "
            "or postgresql://"
        )
    # Imported here: the plan stage reads State without loading the file lock.
    from provisioner.state.local import LocalBackend

    path = Path(location).expanduser()
    return LocalBackend(path if path.is_absolute() else root / path)


def _postgres(location: str, history_keep: int, lease_seconds: float) -> StateBackend:
    where = parse_postgres(location)
    try:
        from provisioner.state.postgres import PostgresBackend
    except ImportError as exc:
        # psycopg itself missing, or present without a usable libpq.
        if (exc.name or "psycopg").split(".")[0] != "psycopg":
            raise
        raise StateError(MISSING_DRIVER) from None
    return PostgresBackend(where, history_keep, lease_seconds)
