"""`provisioner doctor` against the emulator: every ✓, and one ✗ per real fault."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, text_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"]})
    result = project.cli("apply", "--auto-approve")
    assert result.returncode == 0, text_of(result)
    return project


def _doctor(project: Project, **env: str) -> tuple[int, dict[str, Any]]:
    result = project.cli("doctor", "--format", "json", env=project.env(**env))
    assert "Traceback" not in result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, report


def _failed(report: dict[str, Any]) -> list[str]:
    return [c["name"] for c in report["checks"] if not c["ok"]]


def test_every_check_passes_against_the_emulator(
    project: Project, emulator: Any
) -> None:
    result = project.cli("doctor")
    assert result.returncode == 0, text_of(result)
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("✓ ") for line in lines)
    names = [line.split(":")[0] for line in lines]
    assert "✓ key accepted" in names
    assert any(name.startswith("✓ room/info of room_") for name in names)
    assert emulator.api_key not in result.stdout + result.stderr


def test_a_wrong_key_is_one_failed_check(project: Project) -> None:
    code, report = _doctor(project, KALEYRA_API_KEY="ak_test_wrong")
    assert code == 1
    assert _failed(report) == ["key accepted"]
    assert "ak_test_wrong" not in json.dumps(report)


def test_a_wrong_path_is_reported_as_a_wrong_address(
    project: Project, emulator: Any
) -> None:
    code, report = _doctor(project, KALEYRA_API_URL=emulator.url + "/rest")
    assert code == 1
    assert _failed(report) == ["API answers"]
    failed = next(c for c in report["checks"] if not c["ok"])
    assert "/rest" in failed["detail"]


def test_a_dead_port_is_reported(project: Project) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    code, report = _doctor(
        project,
        KALEYRA_API_URL=f"http://127.0.0.1:{port}",
        PROVISIONER_RETRY_ATTEMPTS="1",
    )
    assert code == 1
    assert _failed(report) == ["API answers"]


def test_a_missing_external_user_is_named(project: Project) -> None:
    extra = project.root / "rooms" / "external.yaml"
    extra.write_text("external_users: [frontdesk]\n", encoding="utf-8")
    code, report = _doctor(project)
    assert code == 1
    assert _failed(report) == ["external users"]
    assert "frontdesk" in json.dumps(report)


def test_without_a_key_doctor_says_so_and_reads_nothing(
    project: Project, emulator: Any
) -> None:
    before = emulator.stats()
    code, report = _doctor(project, KALEYRA_API_KEY="")
    assert code == 1
    assert _failed(report) == ["API key"]
    assert emulator.stats() == before
