"""`provisioner init`: the files a new repository starts from, never overwritten.

It writes `provisioner.yaml` (every key at its default, explained), a rooms
folder with an example file (`rooms: {}` and a commented example: nothing to
apply until a user writes a room; not comment-only, so that every JSON Schema
validator reads it as a mapping), the JSON Schemas editors read, a `.gitignore`
entry for the local state file and its companions (the state holds join
links, bearer secrets), and the CI files asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from provisioner.config import (
    ROOM_FILE_SUFFIXES,
    SETTINGS_FILE,
    Settings,
    citemplates,
    load_settings,
    schema,
)
from provisioner.errors import ProvisionerError

SETTINGS_TEXT: Final = """\
# yaml-language-server: $schema=schemas/provisioner.schema.json
# Every key is optional; the values below are the defaults.
rooms: rooms/                 # folder of room definitions (*.yaml, *.yml, recursive)
state: rooms.state.json       # or postgresql://user@host/db?workspace=NAME (shared)
api:
  environment: sandbox        # sandbox | production
  region: eu                  # eu | in | us | me (sandbox: eu only)
  # url: http://127.0.0.1:8080   # explicit base URL (e.g. the local emulator)
  retry_budget_seconds: 900     # the most one API call waits out 429s and retries
on_replace: disable           # the old room of a replacement: disable | delete
max_delete_percent: 25        # refuse plans deleting more (unless --allow-deletes)
max_replace_percent: 25       # the same for replaces (unless --allow-replace)
max_drift_percent: 50         # refuse re-creating more found gone (--allow-drift)
prune_users: false            # delete users removed from the files
state_history_keep: 100       # versions the shared (postgresql://) backend keeps
lock_lease_seconds: 60        # a dead holder of the shared lock loses it after this
"""

EXAMPLE_NAME: Final = "example.yaml"
EXAMPLE_TEXT: Final = """\
# yaml-language-server: $schema={schema}
# Rooms, keyed by name (a room's identity in the state). Replace `rooms: {{}}`
# with rooms like the example below, then run `provisioner validate` and
# `provisioner plan`.
rooms: {{}}

# defaults:                     # merged under every room of this file
#   call_type: audio_video
# users:                        # users this repository manages
#   alice: {{role: plus, language: en}}
#   bob: {{role: basic}}
# external_users: [frontdesk]   # users that already exist in Kaleyra
# rooms:
#   weekly-standup:
#     description: Weekly team stand-up
#     duration: 3600            # seconds, 60..86400
#     participants:
#       - user_id: alice
#         is_admin: true
#       - user_id: bob
#         tools: {{chat: true, screen_sharing: true, whiteboard: false}}
"""
GITIGNORE: Final = ".gitignore"
GITIGNORE_NOTE: Final = "# provisioner state: it holds join links (bearer secrets)"


@dataclass(frozen=True)
class Step:
    """One thing init did or left alone, for the user to read."""

    path: Path
    done: bool
    what: str


def init(root: Path, ci: str = citemplates.NONE) -> list[Step]:
    """Create what is missing under `root`; existing files are left as they are.

    `ci` names the CI whose files are written too (see `citemplates`).
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        settings_file = root / SETTINGS_FILE
        steps = [_create(settings_file, SETTINGS_TEXT)]
        settings = load_settings(root)
        steps.append(_example(settings))
        for relative, make in schema.SCHEMA_FILES.items():
            steps.append(_create(root / relative, schema.render(make())))
        steps.append(_ignore_state(settings))
        for target, text in citemplates.ci_files(ci).items():
            steps.append(_create(root / target, text))
    except OSError as exc:
        where = exc.filename or root
        raise ProvisionerError(f"{where}: cannot write ({exc.strerror})") from None
    return steps


def _create(path: Path, text: str) -> Step:
    if path.exists():
        return Step(path, False, "exists, left as it is")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as file:
        file.write(text)
    return Step(path, True, "created")


def _example(settings: Settings) -> Step:
    folder = settings.rooms_dir
    if folder.is_dir() and any(
        path.suffix in ROOM_FILE_SUFFIXES for path in folder.rglob("*")
    ):
        return Step(folder, False, "has room files, left as it is")
    folder.mkdir(parents=True, exist_ok=True)
    target = settings.root / schema.ROOMS_SCHEMA_FILE
    relative = Path(os.path.relpath(target, folder)).as_posix()
    return _create(folder / EXAMPLE_NAME, EXAMPLE_TEXT.format(schema=relative))


def state_patterns(settings: Settings) -> list[str] | None:
    """The .gitignore lines for the local state and its companion files.

    None when the state is not a file inside the repository (a database, or
    a path outside `root`): there is nothing git could pick up.
    """
    if "://" in settings.state:
        return None
    state = Path(os.path.relpath(settings.root / settings.state, settings.root))
    if state.parts[:1] == ("..",) or state.is_absolute():
        return None
    # The journal, backup, lock and temporary files sit beside it.
    name = state.as_posix()
    return [name, name + ".*"]


def _ignore_state(settings: Settings) -> Step:
    path = settings.root / GITIGNORE
    patterns = state_patterns(settings)
    if patterns is None:
        return Step(path, False, "not needed: the state is not a file in this folder")
    exists = path.exists()
    text = path.read_text(encoding="utf-8", errors="replace") if exists else ""
    present = {line.strip().lstrip("/") for line in text.splitlines()}
    missing = [pattern for pattern in patterns if pattern not in present]
    if not missing:
        return Step(path, False, "already ignores the state file")
    lead = "" if not text or text.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as file:
        file.write(lead + "\n".join([GITIGNORE_NOTE, *missing]) + "\n")
    return Step(path, True, f"now ignores {', '.join(missing)}")
