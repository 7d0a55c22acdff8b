"""One line from the terminal, that Ctrl-C and Ctrl-D end at once.

apply asks its question inside its event loop, whose SIGINT handler only
cancels the loop's task: a plain `input()` there waits for Enter whatever
Ctrl-C does. So Python's default handler is put back before the question is
shown (a Ctrl-C typed as soon as it appears is not lost to the loop), and the
answer is awaited with select(2) on the terminal and on a signal wakeup pipe:
whichever thread the signal reaches (a worker thread would leave the main
thread's read(2) waiting), the main thread wakes up and the handler raises
KeyboardInterrupt there. Ctrl-D (an empty read) raises EOFError, as `input()`.
"""

from __future__ import annotations

import os
import select
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click


def ask(prompt: str, stream: TextIO) -> str:
    """`prompt` on stdout, then a line typed at the terminal `stream`."""
    fd = stream.fileno()
    typed = b""
    with _woken_by_signals() as wakeup:
        click.echo(prompt, nl=False)
        while not typed.endswith(b"\n"):
            ready, _, _ = select.select([fd, *wakeup], [], [])
            for woken in set(ready) & set(wakeup):
                os.read(woken, 512)  # drained: the handler has run, or runs next
            if fd in ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise EOFError
                typed += chunk
    return typed.decode(errors="replace").rstrip("\r\n")


@contextmanager
def _woken_by_signals() -> Iterator[list[int]]:
    """Python's SIGINT handler, and a pipe any signal writes to, for a while."""
    try:
        handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield []
        return
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    previous = signal.set_wakeup_fd(writer)
    try:
        yield [reader]
    finally:
        signal.set_wakeup_fd(previous)
        signal.signal(signal.SIGINT, handler)
        os.close(reader)
        os.close(writer)
