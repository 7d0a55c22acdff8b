"""The README, taken at its word: what a user copies must work as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from provisioner import __version__

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
TAG = f"v{__version__}"


def blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def block_starting(language: str, first_line: str) -> str:
    [found] = [b for b in blocks(language) if b.startswith(first_line)]
    return found


def test_the_quickstart_is_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```sh\n(.*?)```", quickstart, re.S) == [
        "make demo\nmake test\n"
    ]


def test_the_example_room_file_and_settings_validate(tmp_path: Path) -> None:
    (tmp_path / "rooms").mkdir()
    room_file = block_starting("yaml", "# rooms/team.yaml")
    (tmp_path / "rooms" / "team.yaml").write_text(room_file, encoding="utf-8")
    settings = block_starting("yaml", "rooms: rooms/")
    (tmp_path / "provisioner.yaml").write_text(settings, encoding="utf-8")
    result = provisioner(tmp_path, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == (
        "Valid: 1 file, 1 room, 2 managed users, 1 external user.\n"
    )


def provisioner(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=offline_env(),
        check=False,
    )


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALEYRA_")}
    return {**env, "NO_COLOR": "1"}


def test_the_install_section_runs_in_a_folder_made_by_init(tmp_path: Path) -> None:
    [block] = [b for b in blocks("sh") if b.startswith("pipx install ")]
    install, *commands = block.splitlines()
    assert install == (
        f'pipx install "kaleyra-rooms @ git+https://github.com/OWNER/REPO@{TAG}"'
    )
    assert commands == ["provisioner init", "provisioner validate"]
    for command in commands:
        result = provisioner(tmp_path, *command.split()[1:])
        assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Valid: 1 file, 0 rooms")


def test_the_ci_recipes_are_the_shipped_files() -> None:
    shipped = [*EXAMPLES.glob("github/*.yml"), EXAMPLES / "gitlab" / ".gitlab-ci.yml"]
    recipes = {
        b.splitlines()[0]: b
        for b in blocks("yaml")
        if b.startswith(("# .github/workflows/", "# .gitlab-ci.yml"))
    }
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        assert recipes.pop(text.splitlines()[0]) == text, path
    assert recipes == {}  # and no recipe that is not shipped


def test_every_reference_to_this_tool_pins_the_release_tag() -> None:
    texts = [README.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in EXAMPLES.rglob("*.yml")]
    found = (re.findall(r"OWNER/REPO@([\w.]+)", text) for text in texts)
    assert {tag for tags in found for tag in tags} == {TAG}


def test_the_pre_commit_snippet_names_the_shipped_hooks() -> None:
    config = yaml.safe_load(block_starting("yaml", "# .pre-commit-config.yaml"))
    [repo] = config["repos"]
    assert repo["rev"] == TAG
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in hooks]


def test_the_commands_table_lists_every_command_and_only_real_ones() -> None:
    from provisioner.cli import _register, cli

    _register()
    text = README.read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `provisioner ([a-z-]+)", table, re.M))
    assert listed == set(cli.commands)
