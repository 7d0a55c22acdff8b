"""Choosing the state: URLs, PROVISIONER_STATE, passwords, and what needs no server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import cli
from provisioner.config import load_settings
from provisioner.errors import StateError
from provisioner.state.location import parse_postgres
from provisioner.state.pg_schema import grants_sql


@pytest.mark.parametrize(
    ("url", "conninfo", "workspace"),
    [
        ("postgresql://u@h:5432/db", "postgresql://u@h:5432/db", "default"),
        (
            "postgres://u@h/db?sslmode=require&workspace=prod",
            "postgres://u@h/db?sslmode=require",
            "prod",
        ),
    ],
)
def test_the_workspace_is_split_off_the_url(
    url: str, conninfo: str, workspace: str
) -> None:
    where = parse_postgres(url)
    assert (where.conninfo, where.workspace, where.display) == (
        conninfo,
        workspace,
        url,
    )


@pytest.mark.parametrize(
    "url", ["postgresql://u:hunter2@h/db", "postgresql://u@h/db?password=hunter2"]
)
def test_validate_refuses_a_url_with_a_password_without_showing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rooms").mkdir()
    (tmp_path / "provisioner.yaml").write_text(f"state: {url}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert "holds a password" in result.output
    assert "hunter2" not in result.output
    with pytest.raises(StateError, match="holds a password"):
        parse_postgres(url)


def test_provisioner_state_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "provisioner.yaml").write_text("state: a.json\n", encoding="utf-8")
    assert load_settings(tmp_path).state == "a.json"
    monkeypatch.setenv("PROVISIONER_STATE", "postgresql://u@h/db?workspace=ci")
    assert load_settings(tmp_path).state == "postgresql://u@h/db?workspace=ci"


def test_a_local_state_keeps_no_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["state", "history"])
    assert result.exit_code == 1
    assert "a local state keeps no history" in result.output
    info = CliRunner().invoke(cli, ["state", "lock-info"])
    assert info.exit_code == 0 and info.output.startswith("The state is not locked")


def test_grants_need_plain_role_names() -> None:
    assert "TO p;" in grants_sql("p", "a")
    result = CliRunner().invoke(cli, ["state", "grants", "--plan-role", "x; DROP"])
    assert result.exit_code == 1
    assert "is not a plain role name" in result.output


def test_plan_on_a_local_state_never_imports_the_driver(tmp_path: Path) -> None:
    (tmp_path / "rooms").mkdir()
    probe = (
        "import sys\nfrom provisioner.cli import cli\n"
        "try:\n    cli(['plan', '--no-refresh'], standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
