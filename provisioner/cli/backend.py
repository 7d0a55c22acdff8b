"""The state backend a command works on: the project's in the current directory."""

from __future__ import annotations

from pathlib import Path

from provisioner.config import load_settings
from provisioner.state import backend_for
from provisioner.state.document import StateBackend


def current_backend() -> StateBackend:
    """The state of the project in the current directory."""
    return backend_for(load_settings(Path(".")))
