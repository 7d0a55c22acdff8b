"""Join URLs appear only in `provisioner output` and the state file; the key nowhere.

A real apply against the emulator fills the state with real links, then every
command and format runs with the key in the environment, the files change so
that plans replace and delete rooms (links_lost, fields, reasons all shown),
and every byte written to stdout, stderr or the project directory is searched.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, text_of, urls_in

ROOMS: dict[str, Any] = {
    "standup": {
        "participants": [{"user_id": "alice", "is_admin": True}, {"user_id": "bob"}],
        "recording": True,
        "description": "Stand-up | <b>daily</b>",
    },
    "desk": ["alice", "bob"],
    "clinic": ["alice", "bob"],
}
CHANGED: dict[str, Any] = {
    "standup": {**ROOMS["standup"], "duration": 900},
    "desk": ["alice", "bob"],
}
STATE_FILES = (
    "rooms.state.json",
    "rooms.state.json.journal",
    "rooms.state.json.backup",
)


def outputs(project: Project) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every command and format, after the files changed (replace + delete)."""
    runs = {
        "validate": project.cli("validate"),
        "schema --check": project.cli("schema", "--check"),
        "plan": project.cli("plan"),
        "plan -v": project.cli("-v", "plan"),
        "plan --no-refresh": project.cli("plan", "--no-refresh"),
        "plan json": project.cli("plan", "--format", "json"),
        "plan markdown": project.cli("plan", "--format", "markdown"),
        "plan --out": project.cli("plan", "--out", "saved.tfplan", "--allow-deletes"),
        "plan --replace": project.cli("plan", "--replace", "desk", "--format", "json"),
        "plan detailed": project.cli("plan", "--detailed-exitcode"),
        "state list": project.cli("state", "list"),
        "state list json": project.cli("state", "list", "--format", "json"),
        "state show": project.cli("state", "show", "standup"),
    }
    runs["apply saved"] = project.cli("apply", "saved.tfplan")
    runs["apply -v again"] = project.cli("-v", "apply", "--auto-approve")
    runs["plan after"] = project.cli("plan", "--detailed-exitcode")
    return runs


@pytest.fixture
def project(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator, settings="max_delete_percent: 25\n")
    project.write_rooms(ROOMS)
    first = project.cli("apply", "--auto-approve")
    assert first.returncode == 0, text_of(first)
    return project


def test_no_url_and_no_key_outside_output_and_the_state(
    project: Project, emulator: Any
) -> None:
    key = emulator.api_key
    urls = urls_in(project.state())
    assert len(urls) == 6
    project.write_rooms(CHANGED)
    runs = outputs(project)
    urls += urls_in(project.state())  # the new links too
    assert runs["plan --out"].returncode == 0, text_of(runs["plan --out"])
    assert runs["apply saved"].returncode == 0, text_of(runs["apply saved"])
    for label, result in runs.items():
        seen = result.stdout + result.stderr
        assert "Traceback" not in seen, (label, text_of(result))
        assert key not in seen, label
        assert not [u for u in urls if u in seen], (label, text_of(result))
    # the plans really showed the damage (so the search above meant something)
    assert "links stop working" in runs["plan"].stdout
    assert "Warning: standup: recording is true" in runs["plan"].stdout
    shown = project.cli("output", "--format", "json")
    assert shown.returncode == 0, text_of(shown)
    assert set(urls_in(project.state())) <= {u for u in urls if u in shown.stdout}
    assert key not in shown.stdout + shown.stderr
    for path in project.root.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert key not in text, path
            if path.name not in STATE_FILES:
                assert not [u for u in urls if u in text], path
