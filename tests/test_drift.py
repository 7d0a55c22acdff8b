"""`provisioner drift`: exit 0 none, 2 drift, 1 error; the address proven first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, text_of
from plan_builders import room, state

from provisioner.plan.drift import drift_report
from provisioner.render.drift import DRIFT_RENDERERS
from provisioner.state.local import LocalBackend

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

ROOMS = ("deleted", "disabled", "closed", "kept")


@pytest.fixture
def project(tmp_path: Path, emulator: Any) -> Project:
    """Four rooms applied, nothing changed since."""
    project = Project(tmp_path, emulator)
    project.write_rooms({name: ["alice", "bob"] for name in ROOMS})
    result = project.cli("apply", "--auto-approve")
    assert result.returncode == 0, text_of(result)
    return project


def test_nothing_changed_is_exit_0(project: Project) -> None:
    result = project.cli("drift")
    assert result.returncode == 0, text_of(result)
    assert result.stdout == "No drift: 4 rooms and 2 users checked.\n"


def test_rooms_deleted_disabled_and_closed_out_of_band_are_exit_2(
    project: Project, emulator: Any
) -> None:
    ids = project.room_ids()
    emulator.api("DELETE", f"/rest/room/delete/{ids['deleted']}").raise_for_status()
    emulator.api("PUT", f"/rest/room/disable/{ids['disabled']}").raise_for_status()
    emulator.set_status(ids["closed"], "CLOSED")
    emulator.api("DELETE", "/rest/user/delete/bob").raise_for_status()
    state_before = project.state_path.read_bytes()
    writes_before = writes(emulator)

    result = project.cli("drift", "--format", "json")
    assert result.returncode == 2, text_of(result)
    report = json.loads(result.stdout)
    # The docs flavour, as the reference, shows a deleted room as CLOSED.
    deleted = "closed" if emulator.flavour == "docs" else "deleted"
    assert [(r["name"], r["kind"]) for r in report["rooms"]] == [
        ("closed", "closed"),
        ("deleted", deleted),
        ("disabled", "disabled"),
    ]
    assert report["users_gone"] == ["bob"]
    assert report["rooms"][1]["room_id"] == ids["deleted"]
    text = project.cli("drift")
    assert text.returncode == 2
    assert f"  ! disabled ({ids['disabled']}): disabled outside the provisioner" in (
        text.stdout
    )
    # Reads only: the state untouched, no write to the API.
    assert project.state_path.read_bytes() == state_before
    assert writes(emulator) == writes_before


def writes(emulator: Any) -> int:
    counts = emulator.stats()["requests"]
    return sum(sum(n.values()) for r, n in counts.items() if not r.startswith("GET "))


def test_drift_takes_no_lock(project: Project) -> None:
    with LocalBackend(project.state_path).lock("apply", 0):
        result = project.cli("drift")
    assert result.returncode == 0, text_of(result)


@pytest.mark.parametrize(
    ("url", "says"),
    [("{url}/not-the-api", "HTTP 404"), ("http://127.0.0.1:9", "connection failed")],
)
def test_a_wrong_address_is_an_error_never_everything_drifted(
    project: Project, emulator: Any, url: str, says: str
) -> None:
    env = project.env(KALEYRA_API_URL=url.format(url=emulator.url))
    env["PROVISIONER_RETRY_ATTEMPTS"] = "1"
    result = project.cli("drift", env=env)
    assert result.returncode == 1, text_of(result)
    assert result.stdout == ""
    assert says in result.stderr


def test_no_key_is_an_error(project: Project) -> None:
    env = project.env()
    del env["KALEYRA_API_KEY"]
    result = project.cli("drift", env=env)
    assert result.returncode == 1
    assert "no API key: set KALEYRA_API_KEY" in result.stderr


def test_the_markdown_report_is_an_issue_body() -> None:
    current = state([room("clinic"), room("desk")])
    report = drift_report(current, {"clinic": "deleted outside the provisioner"}, ())
    body = DRIFT_RENDERERS["markdown"](report)
    assert body.startswith(
        "## Drift: 1 room changed outside the provisioner (2 rooms and 0 users "
        "checked).\n\n| room | room id | what happened |\n"
    )
    assert "| clinic | <code>room&#95;" in body
    assert "https://" not in body
