"""provisioner.yaml and rooms/**/*.yaml -> settings and specs, every problem at once."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from provisioner import environment, rules
from provisioner.config import estate, files, schema, yamlio
from provisioner.config.validation import SchemaCheck
from provisioner.errors import ConfigError, Problem, ProvisionerError
from provisioner.model import Estate, Settings
from provisioner.state.location import is_postgres, location_fault

SETTINGS_FILE = "provisioner.yaml"


def display_path(path: Path) -> str:
    """A path as people typed it: relative to the current directory when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


@cache
def _rooms_check() -> SchemaCheck:
    return SchemaCheck(schema.rooms_schema())


@cache
def _settings_check() -> SchemaCheck:
    return SchemaCheck(schema.settings_schema())


def load_settings(root: Path = Path(".")) -> Settings:
    """Read `root/provisioner.yaml` (optional); ConfigError lists its problems."""
    settings, problems = read_settings(root)
    if problems:
        raise ConfigError(problems)
    return settings


def read_settings(root: Path = Path(".")) -> tuple[Settings, list[Problem]]:
    """The settings and their problems; keys with problems keep their defaults."""
    file = root / SETTINGS_FILE
    if not os.path.lexists(file):
        return _settings(root, {}, None), []
    if not files.is_inside(file, files.real(root)):
        where = files.OUTSIDE.format(root=files.real(root))
        problem = Problem(display_path(file), 1, 1, f"the settings file {where}")
        return _settings(root, {}, file), [problem]
    doc = yamlio.load(file, display_path(file))
    problems = list(doc.problems)
    if doc.value is None:
        return _settings(root, {}, file), problems
    findings = _settings_check().findings(doc)
    problems += [finding.problem for finding in findings]
    broken = {finding.path[:1] for finding in findings}
    if () in broken:
        return _settings(root, {}, file), problems
    usable = {key: value for key, value in doc.value.items() if (key,) not in broken}
    problems += _url_problems(doc, usable)
    for key in ("rooms", "state"):
        fault = _path_fault(root, key, usable.get(key))
        if fault:
            problems.append(doc.problem((key,), fault))
            del usable[key]  # the default stands in, so checking can go on
    return _settings(root, usable, file), problems


def _path_fault(root: Path, key: str, value: object) -> str | None:
    """What the file system would refuse in a path setting (found, not crashed on)."""
    if not isinstance(value, str):
        return None
    if "\0" in value:
        return "a path cannot contain a NUL character"
    if key != "state":
        return None
    if is_postgres(value):
        return location_fault(value)
    if "://" in value:
        return None  # not a path: the backend names what it does not support
    if Path(value).name in ("", ".", ".."):
        return "must name a file, e.g. rooms.state.json"
    culprit = files.not_a_folder(root / Path(value).expanduser())
    if culprit is not None:
        return f"{display_path(culprit)} is a file, not a folder"
    return None


def _url_problems(doc: yamlio.Document, given: Mapping[str, Any]) -> list[Problem]:
    """api.url checked as plan will use it, so validate catches what plan refuses."""
    url = (given.get("api") or {}).get("url")
    if not isinstance(url, str):
        return []
    # Imported here: the client package costs start-up time validate skips.
    from provisioner.kaleyra.endpoint import checked_url

    try:
        checked_url(url, source="api.url")
    except ProvisionerError as exc:
        reason = str(exc).removeprefix("api.url: ")
        return [doc.problem(("api", "url"), reason)]
    return []


def _defaults(
    fields: Iterable[rules.Field], given: Mapping[str, Any]
) -> dict[str, Any]:
    values = {spec.name: spec.default for spec in fields}
    values.update(given)
    return {
        key: None if value is rules.UNSET else value for key, value in values.items()
    }


def _settings(root: Path, given: Mapping[str, Any], file: Path | None) -> Settings:
    top = _defaults(rules.SETTINGS_FIELDS, given)
    api = _defaults(rules.API_SETTINGS_FIELDS, given.get("api") or {})
    return Settings(
        root=root,
        rooms_dir=root / str(top["rooms"]),
        state=environment.state_location() or str(top["state"]),
        api_environment=str(api["environment"]),
        api_region=str(api["region"]),
        api_url=api["url"],
        api_retry_budget_seconds=int(api["retry_budget_seconds"]),
        on_replace=str(top["on_replace"]),
        max_delete_percent=int(top["max_delete_percent"]),
        max_replace_percent=int(top["max_replace_percent"]),
        max_drift_percent=int(top["max_drift_percent"]),
        prune_users=bool(top["prune_users"]),
        state_history_keep=int(top["state_history_keep"]),
        lock_lease_seconds=int(top["lock_lease_seconds"]),
        file=file,
    )


def load_estate(settings: Settings, only: Sequence[Path] = ()) -> Estate:
    """Load the whole estate; `only` narrows which files' problems are reported.

    Files named in `only` that lie outside the rooms folder are loaded too, so
    a new file can be checked against the estate before it is moved in.
    What could not be read is always reported: every file's rules depend on it.
    """
    paths, unread = _room_files(settings, only)
    with yamlio.paused_gc():
        docs = [yamlio.load(path, display_path(path)) for path in paths]
        built = estate.build(docs, _rooms_check())
    problems = [*unread, *_narrowed(built.problems, only)]
    return Estate(
        rooms=built.rooms,
        users=built.users,
        external_users=built.external_users,
        entries=built.entries,
        problems=tuple(sorted(problems)),
        files=tuple(paths),
    )


def check(root: Path = Path("."), only: Sequence[Path] = ()) -> Estate:
    """Everything `validate` reports: settings, the estate, and warnings."""
    settings, problems = read_settings(root)
    loaded = load_estate(settings, only)
    problems = sorted([*loaded.problems, *_narrowed(problems, only)])
    warning = state_tracked_warning(settings)
    shown = display_path(root / settings.state)
    warnings = (Problem(shown, 1, 1, warning),) if warning else ()
    return replace(loaded, problems=tuple(problems), warnings=warnings)


def _room_files(
    settings: Settings, only: Sequence[Path]
) -> tuple[list[Path], list[Problem]]:
    found = files.room_files(settings.root, settings.rooms_dir, only, display_path)
    settings_file = files.real(settings.root / SETTINGS_FILE)
    rooms = [path for path in found.files if files.real(path) != settings_file]
    return rooms, found.problems


def _narrowed(problems: Iterable[Problem], only: Sequence[Path]) -> list[Problem]:
    if not only:
        return list(problems)
    wanted = [path.resolve() for path in only]

    def chosen(problem: Problem) -> bool:
        file = Path(problem.path).resolve()
        return any(file == path or path in file.parents for path in wanted)

    return [problem for problem in problems if chosen(problem)]


def state_tracked_warning(settings: Settings) -> str | None:
    """A warning when the local state file is tracked by git (it holds bearer links)."""
    if "://" in settings.state:
        return None
    path = settings.root / settings.state
    try:
        result = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None  # no git, or no such folder: nothing can be tracked
    if result.returncode != 0:
        return None
    shown = display_path(path)
    return (
        f"{shown} is tracked by git, but it holds join links (bearer secrets): "
        f"run `git rm --cached {shown}` and add it to .gitignore"
    )
