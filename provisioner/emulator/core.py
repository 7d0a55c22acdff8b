"""The emulator's state as one object: store, current faults, counters, rng."""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from provisioner.emulator import validate
from provisioner.emulator.config import EmulatorConfig, Faults
from provisioner.emulator.dialect import Dialect, dialect_of
from provisioner.emulator.problems import Refused
from provisioner.emulator.store import Store

DATA_VERSION = 1


class Emulator:
    """What every request handler shares. Single-threaded: one event loop."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.dialect: Dialect = dialect_of(config.flavour)
        self.rng = random.Random(config.seed)
        self.store = Store(self.rng)
        self.faults: Faults = config.faults()
        self.requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
        if config.data_path is not None and config.data_path.exists():
            self._load(config.data_path)
        self._seed_users()
        self.save()

    def reset(self) -> None:
        """Back to a fresh start: no rooms, seed users only, start-up faults."""
        self.rng.seed(self.config.seed)
        self.store = Store(self.rng)
        self.faults = self.config.faults()
        self.requests.clear()
        self._seed_users()
        self.save()

    def count(self, route: str, status: int | str) -> None:
        self.requests[route][str(status)] += 1

    def save(self) -> None:
        """Write the state to the data file, if there is one (atomically)."""
        if self.config.data_path is not None:
            data = {"version": DATA_VERSION, **self.store.dump()}
            _write(self.config.data_path, data)

    def _load(self, path: Path) -> None:
        try:
            self.store.load(_read(path))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: damaged emulator data ({exc!r})") from None

    def _seed_users(self) -> None:
        for user_id, role in self.config.users:
            fields = seed_user(user_id, role)
            if user_id in self.store.users:
                self.store.update_user(user_id, {"role": fields["role"]})
            else:
                self.store.create_user(fields)


def seed_user(user_id: str, role: str) -> dict[str, Any]:
    """The create body for a seed user; ``ValueError`` when it is invalid."""
    try:
        return validate.user_create({"id": user_id, "role": role})
    except Refused as refused:
        raise ValueError(f"user {user_id}:{role}: {refused.message}") from None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read emulator data: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != DATA_VERSION:
        raise ValueError(f"{path}: not emulator data (version {DATA_VERSION})")
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    # Temp file + rename: a crash never leaves half a file. 0600: it holds links.
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ValueError(
            f"{path}: cannot write emulator data: {exc.strerror}"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
