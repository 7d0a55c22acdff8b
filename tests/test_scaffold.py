"""`provisioner init`: a repository's starting files, and the state kept out of git."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from provisioner import rules
from provisioner.cli import _register, cli
from provisioner.config import load_estate, load_settings
from provisioner.config.citemplates import DESTINATIONS, ci_files
from provisioner.config.roomfmt import format_text
from provisioner.config.scaffold import GITIGNORE_NOTE, SETTINGS_TEXT, init
from provisioner.config.schema import stale_files

_register()
REPO = Path(__file__).resolve().parent.parent


def run_init(*args: str) -> str:
    result = CliRunner().invoke(cli, ["init", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_init_creates_the_starting_files(tmp_path: Path) -> None:
    output = run_init(str(tmp_path))
    assert output.splitlines() == [
        f"{tmp_path}/provisioner.yaml: created",
        f"{tmp_path}/rooms/example.yaml: created",
        f"{tmp_path}/schemas/rooms.schema.json: created",
        f"{tmp_path}/schemas/provisioner.schema.json: created",
        f"{tmp_path}/.gitignore: now ignores rooms.state.json, rooms.state.json.*",
        "Next: write rooms in the rooms folder, then run `provisioner validate` "
        "and `provisioner plan`.",
    ]
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == (
        f"{GITIGNORE_NOTE}\nrooms.state.json\nrooms.state.json.*\n"
    )
    assert stale_files(tmp_path) == []
    example = (tmp_path / "rooms" / "example.yaml").read_text(encoding="utf-8")
    assert example.startswith(
        "# yaml-language-server: $schema=../schemas/rooms.schema.json\n"
    )


def test_the_example_is_valid_and_creates_nothing(tmp_path: Path) -> None:
    init(tmp_path)
    estate = load_estate(load_settings(tmp_path))
    assert (estate.problems, estate.rooms, estate.users) == ((), {}, {})


def uncommented_example(text: str) -> str:
    """The example with its commented room file in place of `rooms: {}`."""
    lines = text.splitlines()
    start = lines.index("rooms: {}")
    assert lines[start + 1] == ""  # every later line is YAML, commented
    return "\n".join(line.removeprefix("# ") for line in lines[start + 2 :]) + "\n"


def test_the_example_uncommented_is_a_valid_room_file(tmp_path: Path) -> None:
    init(tmp_path)
    example = tmp_path / "rooms" / "example.yaml"
    example.write_text(uncommented_example(example.read_text("utf-8")), "utf-8")
    estate = load_estate(load_settings(tmp_path))
    assert [str(p) for p in estate.problems] == []
    assert sorted(estate.rooms) == ["weekly-standup"]


def test_the_example_passes_the_shipped_schema_in_a_standard_validator(
    tmp_path: Path,
) -> None:
    init(tmp_path)
    schema = json.loads((tmp_path / "schemas" / "rooms.schema.json").read_text())
    validator = Draft202012Validator(schema)
    text = (tmp_path / "rooms" / "example.yaml").read_text(encoding="utf-8")
    for document in (text, uncommented_example(text)):
        loaded = yaml.safe_load(document)
        assert isinstance(loaded, dict)  # a comment-only file would load as None
        assert [error.message for error in validator.iter_errors(loaded)] == []


def test_the_files_init_writes_are_already_formatted(tmp_path: Path) -> None:
    init(tmp_path)
    text = (tmp_path / "rooms" / "example.yaml").read_text(encoding="utf-8")
    for document in (text, uncommented_example(text)):
        assert format_text(document) == document


@pytest.mark.parametrize(
    ("ci", "written"),
    [("github", ".github/workflows/rooms-pr.yml"), ("gitlab", ".gitlab-ci.yml")],
)
def test_init_writes_the_ci_files_asked_for(
    tmp_path: Path, ci: str, written: str
) -> None:
    output = run_init(str(tmp_path), "--ci", ci)
    assert f"{tmp_path}/{written}: created" in output.splitlines()
    workflow = yaml.safe_load((tmp_path / written).read_text(encoding="utf-8"))
    assert isinstance(workflow, dict)
    others = {".github", ".gitlab-ci.yml"} - {written.split("/")[0]}
    assert not any((tmp_path / other).exists() for other in others)


def test_without_ci_no_ci_file_is_written(tmp_path: Path) -> None:
    run_init(str(tmp_path))
    assert not (tmp_path / ".github").exists()
    assert not (tmp_path / ".gitlab-ci.yml").exists()


def test_an_existing_ci_file_is_kept_and_named(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "rooms-apply.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("# mine\n", encoding="utf-8")
    output = run_init(str(tmp_path), "--ci", "github")
    assert f"{workflow}: exists, left as it is" in output.splitlines()
    assert workflow.read_text(encoding="utf-8") == "# mine\n"


def test_the_github_workflow_a_pull_request_runs_holds_no_secret() -> None:
    text = ci_files("github")[".github/workflows/rooms-pr.yml"]
    workflow = yaml.safe_load(text)
    assert "secrets." not in text
    assert all("environment" not in job for job in workflow["jobs"].values())


def test_an_unknown_ci_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--ci", "jenkins"])
    assert result.exit_code == 1
    assert not (tmp_path / "provisioner.yaml").exists()


def test_every_template_is_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["provisioner"]
    package = REPO / "provisioner"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    templates = {p for p in (package / "templates").rglob("*") if p.is_file()}
    assert templates == shipped
    named = {source for files in DESTINATIONS.values() for source in files}
    assert {p.relative_to(package / "templates").as_posix() for p in templates} == named


def test_provisioner_yaml_states_every_default(tmp_path: Path) -> None:
    written = yaml.safe_load(SETTINGS_TEXT)
    for field in rules.SETTINGS_FIELDS:
        assert written[field.name] == field.default, field.name
    for field in rules.API_SETTINGS_FIELDS:
        if field.default is not rules.UNSET:
            assert written["api"][field.name] == field.default, field.name
    init(tmp_path)
    assert load_settings(tmp_path).file == tmp_path / "provisioner.yaml"


def test_init_never_overwrites(tmp_path: Path) -> None:
    init(tmp_path)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            path.write_text("# mine\n", encoding="utf-8")
    output = run_init(str(tmp_path))
    assert "created" not in output and "now ignores" in output
    assert (tmp_path / "provisioner.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert (tmp_path / "rooms" / "example.yaml").read_text(encoding="utf-8") == (
        "# mine\n"
    )


def test_a_second_init_changes_nothing(tmp_path: Path) -> None:
    init(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    steps = init(tmp_path)
    assert [s.done for s in steps] == [False] * 5
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_init_follows_existing_settings(tmp_path: Path) -> None:
    (tmp_path / "provisioner.yaml").write_text(
        "rooms: defs/teams/\nstate: state/prod.json\n", encoding="utf-8"
    )
    (tmp_path / ".gitignore").write_text("/.venv", encoding="utf-8")
    init(tmp_path)
    example = tmp_path / "defs" / "teams" / "example.yaml"
    assert "$schema=../../schemas/rooms.schema.json" in example.read_text("utf-8")
    assert not (tmp_path / "rooms").exists()
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == (
        f"/.venv\n{GITIGNORE_NOTE}\nstate/prod.json\nstate/prod.json.*\n"
    )


def test_an_existing_room_file_gets_no_example(tmp_path: Path) -> None:
    (tmp_path / "rooms" / "team").mkdir(parents=True)
    (tmp_path / "rooms" / "team" / "a.yml").write_text("", encoding="utf-8")
    init(tmp_path)
    assert not (tmp_path / "rooms" / "example.yaml").exists()


@pytest.mark.parametrize("state", ["postgresql://db/rooms", "../elsewhere.json"])
def test_a_state_outside_the_folder_needs_no_gitignore(
    tmp_path: Path, state: str
) -> None:
    (tmp_path / "provisioner.yaml").write_text(f"state: {state}\n", "utf-8")
    steps = init(tmp_path)
    assert not (tmp_path / ".gitignore").exists()
    assert steps[-1].what == "not needed: the state is not a file in this folder"


def test_git_then_ignores_the_state_and_its_companions(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    init(tmp_path)
    names = ["rooms.state.json", "rooms.state.json.journal", "rooms.state.json.lock"]
    for name in names:
        (tmp_path / name).write_text("{}", encoding="utf-8")
    ignored = subprocess.run(
        ["git", "check-ignore", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout.split() == names


def test_init_as_a_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provisioner", "init"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "provisioner.yaml: created" in result.stdout
    validate = subprocess.run(
        [sys.executable, "-m", "provisioner", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert validate.returncode == 0, validate.stderr


def test_init_refuses_a_file_for_a_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "f")])
    assert result.exit_code == 1
    assert "is a file" in result.output


def test_a_broken_settings_file_is_reported_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "provisioner.yaml").write_text("on_replace: explode\n", "utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "provisioner.yaml:1:13: " in result.output
    assert (tmp_path / "provisioner.yaml").read_text("utf-8") == (
        "on_replace: explode\n"
    )
