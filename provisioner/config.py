"""provisioner.yaml and rooms/**/*.yaml -> settings and specs, every problem at once.

INTERFACE STUB: the foundation issue fills in the loading; the signatures below
are what the rest of the code relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from provisioner.errors import Problem
from provisioner.model import RoomSpec, UserSpec

SETTINGS_FILE = "provisioner.yaml"


@dataclass(frozen=True)
class Settings:
    """provisioner.yaml with every default filled in; paths resolved from `root`."""

    root: Path
    rooms_dir: Path
    state: str
    api_environment: str = "sandbox"
    api_region: str = "eu"
    api_url: str | None = None
    on_replace: str = "disable"
    max_delete_percent: int = 25
    prune_users: bool = False


@dataclass(frozen=True)
class Estate:
    """Every room and user the files declare, and every problem found."""

    rooms: dict[str, RoomSpec] = field(default_factory=dict)
    users: dict[str, UserSpec] = field(default_factory=dict)
    external_users: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    files: tuple[Path, ...] = ()


def load_settings(root: Path = Path(".")) -> Settings:
    """Read `root/provisioner.yaml` (optional); ConfigError lists its problems."""
    raise NotImplementedError


def load_estate(settings: Settings, only: Sequence[Path] = ()) -> Estate:
    """Load the whole estate; `only` narrows which files' problems are reported."""
    raise NotImplementedError
