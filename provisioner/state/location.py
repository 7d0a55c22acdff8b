"""Where a state lives: a file path, or a PostgreSQL URL with a workspace.

    postgresql://user@host:5432/db?workspace=prod   the shared backend
    rooms.state.json                                a local file

Pure text handling (no driver import), so `validate` checks a URL without the
`postgres` extra. A URL never carries a password: it ends up in CI logs and
settings files; libpq reads it from PGPASSWORD or ~/.pgpass instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from provisioner.errors import StateError

SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
POSTGRES_SCHEMES: Final = ("postgres", "postgresql")
DEFAULT_WORKSPACE: Final = "default"
WORKSPACE_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
ENV_VAR: Final = "PROVISIONER_STATE"
"""The environment variable that overrides `state:` in provisioner.yaml."""


@dataclass(frozen=True)
class PgLocation:
    """A parsed `postgresql://` state location."""

    conninfo: str
    """The URL for libpq, without `workspace`."""
    workspace: str
    display: str
    """For messages: the URL as given (it holds no password)."""


def scheme_of(location: str) -> str | None:
    """'postgresql' for 'postgresql://…', None for a file path."""
    match = SCHEME.match(location)
    return match.group(1).lower() if match else None


def is_postgres(location: str) -> bool:
    scheme = scheme_of(location)
    return scheme is not None and scheme.split("+")[0] in POSTGRES_SCHEMES


def location_fault(location: str) -> str | None:
    """Why a `postgresql://` location is unusable, or None (also for file paths)."""
    if not is_postgres(location):
        return None
    try:
        parse_postgres(location)
    except StateError as exc:
        return str(exc)
    return None


def parse_postgres(location: str) -> PgLocation:
    """Split the workspace off a state URL; StateError when it holds a password."""
    try:
        parts = urlsplit(location)
        password = parts.password
    except ValueError as exc:
        raise StateError(f"not a valid PostgreSQL URL ({exc})") from None
    query = parse_qsl(parts.query, keep_blank_values=True)
    if password is not None or any(key == "password" for key, _ in query):
        raise StateError(
            "the state URL holds a password; remove it and give it through "
            "PGPASSWORD or ~/.pgpass instead"
        )
    workspaces = [value for key, value in query if key == "workspace"]
    workspace = workspaces[-1] if workspaces else DEFAULT_WORKSPACE
    if not re.fullmatch(WORKSPACE_PATTERN, workspace):
        raise StateError(
            f"workspace {workspace!r} is not a valid name (letters, digits, "
            "'.', '_' and '-', at most 63 characters)"
        )
    rest = urlencode([(key, value) for key, value in query if key != "workspace"])
    scheme = parts.scheme.split("+")[0]
    conninfo = urlunsplit((scheme, parts.netloc, parts.path, rest, ""))
    return PgLocation(conninfo, workspace, location)
