"""Running the CLI as a user who cannot read everything.

Root reads every file whatever its mode, so a test of an unreadable file or
folder runs the CLI as `nobody` (through `setpriv`, else `runuser`). CI runs as
root: these tests must run there, so a missing tool fails them instead of
skipping them. Run as another user already, the CLI is simply run as it is.

    project = shared_folder          # a fresh folder the user nobody can enter
    hand_to_nobody(project)          # nobody owns it: chmod 000 then binds nobody
    result = run_as_nobody(project, "validate")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

NOBODY = 65534


def as_nobody() -> list[str]:
    """The command prefix that runs a program as nobody (empty when not root)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups"]
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"]
    pytest.fail("neither setpriv nor runuser is installed: cannot drop root")


def run_as_nobody(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str = "",
) -> subprocess.CompletedProcess[str]:
    """`python -m provisioner ARGS` in `cwd`, as nobody."""
    environment = {**os.environ, "HOME": str(cwd), "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [*as_nobody(), sys.executable, "-m", "provisioner", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def hand_to_nobody(folder: Path) -> None:
    """Give `folder` and everything in it to nobody (a no-op unless root)."""
    if os.geteuid() != 0:
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A fresh folder in the system temp folder that the user nobody can enter.

    pytest's own tmp_path sits below a folder only its owner may enter.
    """
    folder = Path(tempfile.mkdtemp(prefix="provisioner-nobody-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        _open_up(folder)  # so that a run as another user than root can remove it
        shutil.rmtree(folder)


def _open_up(path: Path) -> None:
    if path.is_symlink():
        return
    path.chmod(0o755)
    if path.is_dir():
        for child in path.iterdir():
            _open_up(child)
