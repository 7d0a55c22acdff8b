"""The state backend a command works on, as the settings describe it."""

from __future__ import annotations

from pathlib import Path

from provisioner.config import Settings, load_settings
from provisioner.state import open_backend
from provisioner.state.document import StateBackend


def backend_for(settings: Settings, location: str | None = None) -> StateBackend:
    """The settings' state (or `location`, relative to the project root)."""
    return open_backend(
        settings.state if location is None else location,
        settings.root,
        history_keep=settings.state_history_keep,
        lease_seconds=settings.lock_lease_seconds,
    )


def current_backend() -> StateBackend:
    """The state of the project in the current directory."""
    return backend_for(load_settings(Path(".")))
