"""`provisioner fmt`: rewrite, --check and --diff, broken files, what a write keeps."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import _register, cli
from provisioner.config.roomfmt import format_text
from provisioner.errors import ConfigError, ProvisionerError

_register()
NEEDS_PATCH = pytest.mark.skipif(shutil.which("patch") is None, reason="no patch(1)")

UNSORTED = """\
# yaml-language-server: $schema=../schemas/rooms.schema.json
rooms:
  # The doctor's room.
  zeta:
    participants:
      - user_id: alice
        is_admin: true
      - user_id: bob
    duration: 600  # ten minutes

  alpha:
    participants: [{user_id: alice}, {user_id: bob}]
users:
  alice: {language: en, role: plus}
  bob: {role: basic}
"""
FORMATTED = """\
# yaml-language-server: $schema=../schemas/rooms.schema.json
users:
  alice: {role: plus, language: en}
  bob: {role: basic}
rooms:
  alpha:
    participants: [{user_id: alice}, {user_id: bob}]

  # The doctor's room.
  zeta:
    duration: 600  # ten minutes
    participants:
      - user_id: alice
        is_admin: true
      - user_id: bob
"""


def fmt(project: Path, *args: str) -> Result:
    cwd = os.getcwd()
    os.chdir(project)
    try:
        return CliRunner().invoke(cli, ["fmt", *args])
    finally:
        os.chdir(cwd)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "rooms" / "team.yaml").write_text(UNSORTED, encoding="utf-8")
    (tmp_path / "rooms" / "done.yaml").write_text(FORMATTED, encoding="utf-8")
    return tmp_path


def test_fmt_rewrites_the_rooms_folder(project: Path) -> None:
    result = fmt(project)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Reformatted rooms/team.yaml",
        "1 file reformatted, 1 file already formatted.",
    ]
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == FORMATTED
    assert fmt(project, "--check").exit_code == 0


def test_check_lists_the_files_and_writes_nothing(project: Path) -> None:
    result = fmt(project, "--check")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Would reformat rooms/team.yaml",
        "1 file would be reformatted, 1 file already formatted.",
    ]
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == UNSORTED


def test_diff_prints_a_unified_diff_and_writes_nothing(project: Path) -> None:
    result = fmt(project, "--diff")
    assert result.exit_code == 0
    assert result.stdout.startswith("--- rooms/team.yaml\n+++ rooms/team.yaml\n@@ ")
    assert "\n-users:\n" in result.stdout
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == UNSORTED
    assert fmt(project, "--diff", "--check").exit_code == 1


@NEEDS_PATCH
def test_the_diff_applies_as_a_patch(project: Path) -> None:
    diff = fmt(project, "--diff").stdout
    subprocess.run(
        ["patch", "-s", "-p0"], input=diff, text=True, cwd=project, check=True
    )
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == FORMATTED


def test_paths_narrow_the_files(project: Path) -> None:
    other = project / "elsewhere.yml"
    other.write_text(UNSORTED, encoding="utf-8")
    result = fmt(project, "elsewhere.yml", "rooms/done.yaml")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "Reformatted elsewhere.yml"
    assert other.read_text("utf-8") == FORMATTED
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == UNSORTED


def test_a_folder_is_searched_and_the_settings_file_skipped(project: Path) -> None:
    (project / "provisioner.yaml").write_text("state: s.json\nrooms: rooms/\n")
    result = fmt(project, ".")
    assert result.stdout.splitlines()[-1] == (
        "1 file reformatted, 1 file already formatted."
    )
    assert (project / "provisioner.yaml").read_text() == (
        "state: s.json\nrooms: rooms/\n"
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("rooms:\n  a: [1,\n", "rooms/bad.yaml:3:1: YAML syntax: did not find"),
        ("rooms:\n  a: 1\n  a: 2\n", "rooms/bad.yaml:3:3: rooms: duplicate key 'a'"),
        ("rooms:\n\ta: 1\n", "rooms/bad.yaml:2:1: YAML syntax: a tab character"),
        ("a: 1\n---\nb: 2\n", "rooms/bad.yaml:2:1: one YAML document per file"),
    ],
)
def test_a_broken_file_is_one_line_and_exit_1(
    project: Path, text: str, line: str
) -> None:
    (project / "rooms" / "bad.yaml").write_text(text, encoding="utf-8")
    result = fmt(project)
    assert result.exit_code == 1
    (only,) = result.stderr.splitlines()
    assert only.startswith(line)
    assert result.stdout.splitlines()[-1] == (
        "1 file reformatted, 1 file already formatted, 1 file left as it was (errors)."
    )
    assert "Traceback" not in result.output
    assert (project / "rooms" / "bad.yaml").read_text("utf-8") == text
    # The other files are still formatted.
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == FORMATTED


def test_a_missing_path_is_an_error(project: Path) -> None:
    result = fmt(project, "nowhere.yaml")
    assert result.exit_code == 1
    assert result.stderr == "Error: nowhere.yaml: no such file or folder\n"


def test_a_missing_rooms_folder_is_an_error(tmp_path: Path) -> None:
    result = fmt(tmp_path)
    assert result.exit_code == 1
    assert "rooms:1:1: rooms folder not found" in result.stderr


def test_a_write_keeps_the_mode_and_leaves_no_temporary_file(project: Path) -> None:
    team = project / "rooms" / "team.yaml"
    team.chmod(0o640)
    assert fmt(project).exit_code == 0
    assert stat.S_IMODE(team.stat().st_mode) == 0o640
    assert sorted(p.name for p in (project / "rooms").iterdir()) == [
        "done.yaml",
        "team.yaml",
    ]


def test_a_symbolic_link_keeps_pointing_at_its_file(project: Path) -> None:
    team = project / "rooms" / "team.yaml"
    real = project / "real.yaml"
    team.rename(real)
    team.symlink_to(real)
    assert fmt(project).exit_code == 0
    assert team.is_symlink()
    assert real.read_text("utf-8") == FORMATTED


def test_a_failed_write_is_an_error_and_changes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied", target)

    monkeypatch.setattr("provisioner.config.roomfmt.os.replace", refuse)
    result = fmt(project)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: rooms/team.yaml: cannot write (")
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == UNSORTED
    assert sorted(p.name for p in (project / "rooms").iterdir()) == [
        "done.yaml",
        "team.yaml",
    ]


def test_files_that_are_not_room_mappings_are_left_alone() -> None:
    for text in ["", "\n", "# only a comment\n", "- a\n- b\n", "just text\n"]:
        assert format_text(text) == text


def test_keys_fmt_does_not_know_follow_in_the_order_written() -> None:
    text = "zz: 1\nrooms: {}\naa: 2\ndefaults: {}\n"
    assert format_text(text) == "defaults: {}\nrooms: {}\nzz: 1\naa: 2\n"


def test_a_mapping_with_a_merge_key_is_left_as_written() -> None:
    text = (
        "defaults: &base\n"
        "  recording: true\n"
        "rooms:\n"
        "  r:\n"
        "    <<: *base\n"
        "    participants: [{user_id: a}, {user_id: b}]\n"
        "    duration: 60\n"
    )
    assert format_text(text) == text


def test_a_document_start_marker_goes_and_its_comments_stay() -> None:
    text = "# above\n---\n# below\nrooms: {}\ndefaults: {}\n"
    assert format_text(text) == "# above\n# below\ndefaults: {}\nrooms: {}\n"


def test_fmt_runs_as_a_command(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provisioner", "fmt", "--check"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Would reformat rooms/team.yaml" in result.stderr


def test_yaml_that_ruamel_cannot_read_is_a_problem_with_its_place() -> None:
    with pytest.raises(ConfigError) as caught:
        format_text("rooms:\n  a: [1,\n", "x.yaml")
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.col) == ("x.yaml", 3, 1)
    with pytest.raises(ConfigError) as caught:
        format_text("rooms: \x01\n", "x.yaml")
    assert str(caught.value).startswith("x.yaml:1:1: ")


@pytest.mark.parametrize(
    ("written", "what"),
    [
        ("users: {}\nrooms: {}\n", "the comments"),  # the comment went
        ("# kept\nrooms: {a: 1}\n", "the data"),
        ("# kept\nrooms: {a: [}\n", "the data"),  # not even YAML
    ],
)
def test_a_result_that_lost_something_is_refused(
    monkeypatch: pytest.MonkeyPatch, written: str, what: str
) -> None:
    monkeypatch.setattr("provisioner.config.roundtrip.write", lambda data: written)
    with pytest.raises(ProvisionerError, match=f"would change {what}"):
        format_text("# kept\nrooms: {}\nusers: {}\n", "x.yaml")


def test_the_refusal_leaves_the_file_and_says_so(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "provisioner.config.roundtrip.write", lambda data: "rooms: {}\n"
    )
    result = fmt(project)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: rooms/{name}.yaml: formatting would change the data; the file "
        "is left as it is (please report this as a bug, with the file)"
        for name in ("done", "team")
    ]
    assert (project / "rooms" / "team.yaml").read_text("utf-8") == UNSORTED


def test_a_file_that_is_not_utf8_is_an_error(project: Path) -> None:
    (project / "rooms" / "wide.yaml").write_text("rooms: {}\n", encoding="utf-16")
    result = fmt(project)
    assert result.exit_code == 1
    assert "rooms/wide.yaml: fmt reads UTF-8 text only" in result.stderr


def test_no_temporary_file_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("provisioner.config.roomfmt.tempfile.mkstemp", refuse)
    result = fmt(project)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: rooms/team.yaml: cannot write (No space left on device)\n"
    )


def test_users_that_are_not_mappings_are_left_as_they_are() -> None:
    text = "users:\n  alice:\n  bob: {language: en, role: basic}\n"
    assert format_text(text) == (
        "users:\n  alice:\n  bob: {role: basic, language: en}\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        # ruamel wrote `- b: 1 c: 2` after a flow item's comment (roundtrip._Emitter)
        "p:  # c1\n  - {a: 1}  # c2\n  - b: 1\n    c: 2\n",
        "p:  # c1\n  - [1]  # c2\n  - b: 1\n    c: 2\n",
        "p:  # c1\n  - {}  # c2\n  - b: 1\n    c: 2\n",
        # ruamel lost `# c1` above a flow item with a comment (roundtrip._Composer)
        "p:\n  - {a: 1}\n  # c1\n  - {a: 2}  # c2\n",
        "p:\n  - [1]\n  # c1\n  - [2]  # c2\n",
    ],
)
def test_what_ruamel_alone_would_garble_comes_back_as_written(text: str) -> None:
    assert format_text(text) == text


@NEEDS_PATCH
def test_a_file_without_a_last_line_break_diffs_as_a_patch(project: Path) -> None:
    team = project / "rooms" / "team.yaml"
    team.write_text("rooms:\n  b: {}\n  a: {}", encoding="utf-8")
    diff = fmt(project, "--diff").stdout
    assert "\\ No newline at end of file\n" in diff
    subprocess.run(
        ["patch", "-s", "-p0"], input=diff, text=True, cwd=project, check=True
    )
    assert team.read_text("utf-8") == "rooms:\n  a: {}\n  b: {}\n"
