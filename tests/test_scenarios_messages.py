"""What a user reads when something goes wrong: one clear, actionable line.

Each test here reproduces a message found confusing while using the CLI as a
platform team would, and pins the wording that replaced it.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from applyfixtures import Rig, create, plan_of, spec

from provisioner.errors import OutcomeUnknownError
from provisioner.kaleyra import KaleyraClient

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest


def test_a_create_whose_answer_is_always_lost_says_what_happens_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 503 to every create (the emulator's --fail-rate makes no room): the
    # engine reconciles after each, finds nothing, and gives up after three.
    async def lost(self: KaleyraClient, body: Any) -> Any:
        raise OutcomeUnknownError(
            "HTTP 503 after the request was sent; a room may have been created "
            "(reconcile before creating again)",
            method="POST",
            path="/rest/room/create",
            status=503,
        )

    monkeypatch.setattr(KaleyraClient, "create_room", lost)
    rig = Rig(tmp_path)
    report = rig.apply(plan_of(create(spec("desk"))))
    [failure] = report.failures
    assert failure.message == (
        "POST /rest/room/create: the answer to the create was lost 3 times and no "
        "room was found on the API; the next apply looks for it again before "
        "creating it (HTTP 503)"
    )
    assert list(rig.state().pending) == ["desk"]  # the next run looks again


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALEYRA_")}
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )


def test_settings_problems_read_like_room_file_problems(tmp_path: Path) -> None:
    # Before: "Error: " glued to the first problem only, so a CI problem
    # matcher saw one odd line and missed the rest.
    (tmp_path / "rooms").mkdir()
    (tmp_path / "provisioner.yaml").write_text(
        "max_delete_percent: lots\nprune_users: maybe\n", encoding="utf-8"
    )
    for command in (["plan"], ["apply", "--auto-approve"], ["output"]):
        result = run(tmp_path, *command)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            "provisioner.yaml:1:21: max_delete_percent: expected an integer, "
            "got 'lots'",
            "provisioner.yaml:2:14: prune_users: expected true or false, got 'maybe'",
            "Error: 2 problem(s) in provisioner.yaml",
        ], command


def test_every_broken_safety_rule_is_an_error_line(tmp_path: Path) -> None:
    rooms = tmp_path / "rooms"
    rooms.mkdir()
    names = ["a", "b", "c", "d"]
    (rooms / "r.yaml").write_text(
        "users: {alice: {role: plus}, bob: {role: basic}}\nrooms:\n"
        + "".join(
            f"  {n}: {{prevent_destroy: true, participants: "
            "[{user_id: alice}, {user_id: bob}]}\n"
            for n in names
        ),
        encoding="utf-8",
    )
    state = {
        "version": 1,
        "lineage": "l",
        "serial": 1,
        "users": {},
        "retiring": {},
        "pending": {},
        "rooms": {
            n: {
                "room_id": f"room_{n * 12}",
                "request": {"participants": [{"user_id": "alice"}]},
                "fingerprint": "sha256:x",
                "urls": {},
                "created_at": "2024-01-01T00:00:00.000Z",
                "prevent_destroy": True,
            }
            for n in [*names, "e", "f", "g"]
        },
    }
    (tmp_path / "rooms.state.json").write_text(json.dumps(state), encoding="utf-8")
    result = run(tmp_path, "plan")
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    # prevent_destroy (delete, replace), max_delete_percent, max_replace_percent
    assert len(errors) == 4, result.stderr
    assert all(line.startswith("Error: refusing to ") for line in errors), errors


def test_an_unreachable_api_or_a_wrong_key_says_what_to_check(
    tmp_path: Path, emulator: Any
) -> None:
    rooms = tmp_path / "rooms"
    rooms.mkdir()
    (rooms / "r.yaml").write_text(
        "users: {alice: {role: plus}, bob: {role: basic}}\nrooms:\n"
        "  a: {participants: [{user_id: alice}, {user_id: bob}]}\n",
        encoding="utf-8",
    )
    fast = {"PROVISIONER_RETRY_BASE": "0.01", "PROVISIONER_RETRY_ATTEMPTS": "2"}
    wrong_key = {**emulator.env, **fast, "KALEYRA_API_KEY": "ak_wrong_one"}
    closed = {**emulator.env, **fast, "KALEYRA_API_URL": "http://127.0.0.1:9"}

    def provisioner(env: dict[str, str], *args: str) -> Any:
        return subprocess.run(
            [sys.executable, "-m", "provisioner", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=False,
        )

    key_hint = "; check KALEYRA_API_KEY (a key of this environment and region)"
    # A very first apply has nothing to refresh: the pre-flight proves the key.
    first = provisioner(wrong_key, "apply", "--auto-approve")
    assert first.returncode == 1
    [line] = first.stderr.splitlines()
    assert line.startswith("Error: ") and line.endswith(key_hint), line
    assert emulator.count("POST /rest/user/create") == 0
    assert emulator.count("POST /rest/room/create") == 0

    assert provisioner(emulator.env, "apply", "--auto-approve").returncode == 0
    for (env, hint), command in itertools.product(
        (
            (wrong_key, key_hint),
            (closed, "; check api.url in provisioner.yaml, or KALEYRA_API_URL"),
        ),
        (["plan"], ["apply", "--auto-approve"]),
    ):
        result = provisioner(env, *command)
        assert result.returncode == 1
        [line] = result.stderr.splitlines()
        assert line.startswith("Error: ") and line.endswith(hint), line
        assert "ak_wrong_one" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("localhost:8080", "expected an http(s) URL with a host"),
        (
            "http://example.com",
            "plain http is allowed only for loopback hosts; use https",
        ),
    ],
)
def test_validate_refuses_the_api_url_plan_would_refuse(
    tmp_path: Path, url: str, reason: str
) -> None:
    # Before: validate said "Valid", then plan failed with no file:line:col.
    (tmp_path / "rooms").mkdir()
    (tmp_path / "provisioner.yaml").write_text(
        f"api:\n  url: {url}\n", encoding="utf-8"
    )
    result = run(tmp_path, "validate")
    assert result.returncode == 1
    assert result.stdout == f"provisioner.yaml:2:8: api.url: {reason}\n"


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ('rooms: "\\0"\n', "1:8: rooms: a path cannot contain a NUL character"),
        ('state: "."\n', "1:8: state: must name a file, e.g. rooms.state.json"),
        ('state: "/"\n', "1:8: state: must name a file, e.g. rooms.state.json"),
    ],
)
def test_path_settings_the_file_system_refuses_are_problems_not_crashes(
    tmp_path: Path, settings: str, problem: str
) -> None:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "provisioner.yaml").write_text(settings, encoding="utf-8")
    for command in (["validate"], ["plan"], ["output"]):
        result = run(tmp_path, *command)
        assert result.returncode == 1, command
        assert "Traceback" not in result.stderr
        assert f"provisioner.yaml:{problem}" in result.stdout + result.stderr
