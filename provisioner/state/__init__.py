"""The state document and its backends.

INTERFACE STUB: the plan/state issue fills in `open_backend`.
"""

from __future__ import annotations

from pathlib import Path

from provisioner.state.document import StateBackend


def open_backend(location: str, root: Path) -> StateBackend:
    """The backend for a `state:` setting (a file path relative to `root`)."""
    raise NotImplementedError
