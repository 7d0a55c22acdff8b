"""The terminal question: a line, an end of input, and Ctrl-C from any thread."""

from __future__ import annotations

import io
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import pytest

from provisioner.cli import question


@pytest.fixture
def keys() -> Iterator[tuple[io.TextIOWrapper, int]]:
    """A stream the question reads, and the fd that types into it."""
    reader, writer = os.pipe()
    stream = io.TextIOWrapper(io.FileIO(reader, closefd=True))
    try:
        yield stream, writer
    finally:
        stream.close()
        with suppress(OSError):
            os.close(writer)


@pytest.fixture
def loop_handler() -> Iterator[Callable[..., Any]]:
    """A SIGINT handler standing for the event loop's (it only takes note)."""

    def handler(*_: Any) -> None:
        pass

    earlier = signal.signal(signal.SIGINT, handler)
    try:
        yield handler
    finally:
        signal.signal(signal.SIGINT, earlier)


def later(action: Callable[[], object]) -> None:
    threading.Timer(0.1, action).start()


def test_a_line_is_read_without_its_end(
    keys: tuple[io.TextIOWrapper, int],
    loop_handler: Callable[..., Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream, typing = keys
    os.write(typing, b"ye")
    later(lambda: os.write(typing, b"s\r\n"))
    assert question.ask("Sure? ", stream) == "yes"
    assert capsys.readouterr().out == "Sure? "
    assert signal.getsignal(signal.SIGINT) is loop_handler


def test_an_end_of_input_raises_eof(keys: tuple[io.TextIOWrapper, int]) -> None:
    stream, typing = keys
    later(lambda: os.close(typing))
    with pytest.raises(EOFError):
        question.ask("Sure? ", stream)


def test_ctrl_c_delivered_to_another_thread_ends_the_question(
    keys: tuple[io.TextIOWrapper, int], loop_handler: Callable[..., Any]
) -> None:
    stream, _ = keys
    later(lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        question.ask("Sure? ", stream)
    assert signal.getsignal(signal.SIGINT) is loop_handler
