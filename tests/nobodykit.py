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

import atexit
import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import provisioner

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
    python, path = nobody_python()
    environment = {**os.environ, "HOME": str(cwd), "NO_COLOR": "1", **(env or {})}
    if path:
        environment["PYTHONPATH"] = path
    return subprocess.run(
        [*as_nobody(), python, "-m", "provisioner", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@functools.cache
def nobody_python() -> tuple[str, str]:
    """An interpreter nobody can run that imports this checkout, and its PYTHONPATH.

    Usually this very interpreter: the checkout and its venv are readable by
    all. When they sit below a folder only root may enter (a CI clone in a
    private folder), the package and the venv's libraries are copied once to
    a folder nobody can read, for the same Python version.
    """
    probe = [*as_nobody(), sys.executable, "-c", "import provisioner, click, yaml"]
    if not as_nobody() or _runs(probe):
        return sys.executable, ""
    copy = Path(tempfile.mkdtemp(prefix="provisioner-nobody-python-"))
    atexit.register(shutil.rmtree, copy, ignore_errors=True)
    shutil.copytree(Path(provisioner.__file__).parent, copy / "provisioner")
    for key in ("purelib", "platlib"):
        shutil.copytree(sysconfig.get_paths()[key], copy / "site", dirs_exist_ok=True)
    _open_up(copy)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = shutil.which(version, path="/usr/bin:/usr/local/bin") or sys.executable
    return python, f"{copy}{os.pathsep}{copy / 'site'}"


def _runs(command: list[str]) -> bool:
    done = subprocess.run(command, cwd="/", capture_output=True, check=False)
    return done.returncode == 0


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
