"""A wrong address is an error with a hint, never "everything drifted"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, text_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def applied(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"], "desk": ["alice", "bob"]})
    result = project.cli("apply", "--auto-approve")
    assert result.returncode == 0, text_of(result)
    return project


def test_a_base_url_ending_in_rest_is_a_wrong_address_not_drift(
    applied: Project, emulator: Any
) -> None:
    state_before = applied.state_path.read_bytes()
    env = applied.env(KALEYRA_API_URL=emulator.url + "/rest")
    result = applied.cli("plan", env=env)
    assert result.returncode == 1, text_of(result)
    assert "/rest" in result.stderr
    assert "KALEYRA_API_URL" in result.stderr or "api.url" in result.stderr
    assert "to create" not in result.stdout
    assert "stop working" not in result.stdout + result.stderr
    assert "stopped working" not in result.stdout + result.stderr
    assert applied.state_path.read_bytes() == state_before


def test_apply_against_a_wrong_address_changes_nothing(
    applied: Project, emulator: Any
) -> None:
    rooms_before = len(emulator.rooms())
    env = applied.env(KALEYRA_API_URL=emulator.url + "/rest")
    result = applied.cli("apply", "--auto-approve", env=env)
    assert result.returncode == 1, text_of(result)
    assert len(emulator.rooms()) == rooms_before
    assert set(applied.room_ids()) == {"standup", "desk"}
