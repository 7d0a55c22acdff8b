"""apply's question on a real terminal: Ctrl-C and Ctrl-D end it at once.

The CLI runs in its own session with a pseudo-terminal as its controlling
terminal, so the keys go through the terminal's line discipline as a person's
would: Ctrl-C becomes SIGINT for the foreground process group, Ctrl-D an end
of input. Before the fix Ctrl-C did nothing until Enter (the event loop's
handler only cancels its task) and Ctrl-D printed click's bare "Aborted!".
"""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

PROMPT = b"Only 'yes' will be accepted: "
CTRL_C, CTRL_D = b"\x03", b"\x04"
AT_ONCE = 10.0  # seconds: far more than needed, far less than "until Enter"


class Terminal:
    """`provisioner apply` with a pseudo-terminal as its controlling terminal."""

    def __init__(self, project: Project) -> None:
        self.leader, follower = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "provisioner", "apply"],
            cwd=project.root,
            env=project.env(),
            stdin=follower,
            stdout=follower,
            stderr=follower,
            start_new_session=True,
            preexec_fn=_take_the_terminal,  # after setsid: fd 0 is the follower
        )
        os.close(follower)
        self.screen = b""

    def read_until(self, wanted: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.screen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.leader], [], [], 0.1)
            if ready and not self._read():
                break
        assert wanted in self.screen, self.text()

    def type(self, keys: bytes) -> None:
        os.write(self.leader, keys)

    def exit_code(self, timeout: float) -> int:
        """The exit code, once the process ended within `timeout` seconds."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still waiting {timeout:g}s later:\n{self.text()}")
        while self._read():
            pass
        return code

    def text(self) -> str:
        return self.screen.decode(errors="replace").replace("\r\n", "\n")

    def _read(self) -> bool:
        try:
            chunk = os.read(self.leader, 4096)
        except OSError:  # EIO: the other side is closed
            return False
        self.screen += chunk
        return bool(chunk)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.leader)


def _take_the_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def terminal(tmp_path: Path, emulator: Any) -> Iterator[Terminal]:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"]})
    opened = Terminal(project)
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.parametrize(
    ("keys", "code", "how"),
    [(CTRL_C, 130, "Ctrl-C"), (CTRL_D, 1, "end of input")],
)
def test_ctrl_c_and_ctrl_d_at_the_question_end_apply_at_once(
    terminal: Terminal, emulator: Any, keys: bytes, code: int, how: str
) -> None:
    terminal.read_until(PROMPT)
    terminal.type(keys)
    assert terminal.exit_code(timeout=AT_ONCE) == code
    screen = terminal.text()
    assert f"Error: apply cancelled ({how}); nothing was changed\n" in screen
    assert "Aborted!" not in screen
    assert "Traceback" not in screen
    assert emulator.count("POST /rest/room/create") == 0
    assert emulator.count("POST /rest/user/create") == 0


def test_yes_on_the_terminal_applies(terminal: Terminal, emulator: Any) -> None:
    terminal.read_until(PROMPT)
    terminal.type(b"yes\n")
    assert terminal.exit_code(timeout=60) == 0, terminal.text()
    assert emulator.count("POST /rest/room/create") == 1
