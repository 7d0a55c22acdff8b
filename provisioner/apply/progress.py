"""What an apply shows while it runs, and the summary that closes it.

Two displays over one interface. On a terminal a live status line (done/total,
the operations in flight, retries waiting) is redrawn in place, with each
finished operation printed above it. Elsewhere (CI logs) each finished
operation is one plain line with its elapsed time. Neither ever shows a join
URL: callers describe operations by room name and room id only.

The display writes through a `write` callable handed in by the CLI, so this
module does no I/O of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

Write = Callable[[str], None]
Clock = Callable[[], float]

_CLEAR_LINE = "\r\x1b[K"
_SHOWN_IN_FLIGHT = 3


def format_seconds(seconds: float) -> str:
    """Elapsed time as `0.21s` under ten seconds, `12.3s` above."""
    return f"{seconds:.2f}s" if seconds < 10 else f"{seconds:.1f}s"


@dataclass
class Progress:
    """Reports operations as they start and finish.

    `live` selects the redrawn status line (a terminal); otherwise one line is
    written per finished operation. `width` bounds the status line.
    """

    write: Write
    live: bool = False
    width: int = 80
    clock: Clock = time.monotonic
    total: int = 0
    done: int = 0
    retries: int = 0
    _started: dict[str, tuple[str, float]] = field(default_factory=dict)
    _retry_until: list[float] = field(default_factory=list)
    _last_retry: str = ""
    _status_shown: bool = False

    def start(self, total: int) -> None:
        """Announce how many operations the run will make."""
        self.total = total
        self._redraw()

    def begin(self, key: str, doing: str) -> None:
        """An operation started; `doing` reads like `creating weekly-standup`."""
        self._started[key] = (doing, self.clock())
        self._redraw()

    def finish(self, key: str, line: str, *, count: bool = True) -> None:
        """An operation finished; `line` says what happened, time is appended."""
        _, began = self._started.pop(key, ("", self.clock()))
        if count:
            self.done += 1
        self.note(f"{line} in {format_seconds(self.clock() - began)}")

    def note(self, line: str) -> None:
        """A line that stays (an outcome, a warning), above the status line."""
        self._clear()
        self.write(line + "\n")
        self._redraw()

    def retry(self, description: str, delay: float) -> None:
        """The client waits `delay` seconds before retrying (its on_retry hook).

        Counted, and shown live on a terminal; not a line each in CI logs (a
        rate limit can cause thousands).
        """
        self.retries += 1
        self._retry_until.append(self.clock() + delay)
        # "GET /rest/room/info/…: rate limited, waiting 40 s (attempt 3)"
        if "rate limited" in description:
            self._last_retry = description.rpartition(": ")[2]
        self._redraw()

    def close(self) -> None:
        """Remove the status line before the summary is written."""
        self._clear()

    def status(self) -> str:
        """The live status line: done/total, in flight, retries waiting."""
        now = self.clock()
        self._retry_until = [t for t in self._retry_until if t > now]
        parts = [f"[{self.done}/{self.total}]"]
        doing = [text for text, _ in self._started.values()]
        if doing:
            shown = ", ".join(doing[:_SHOWN_IN_FLIGHT])
            more = len(doing) - _SHOWN_IN_FLIGHT
            parts.append(shown + (f" +{more} more" if more > 0 else ""))
        if self._retry_until:
            waiting = len(self._retry_until)
            parts.append(f"{waiting} {'retry' if waiting == 1 else 'retries'} waiting")
            if self._last_retry:
                parts.append(self._last_retry)
        text = " · ".join(parts)
        limit = max(self.width - 1, 10)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def _redraw(self) -> None:
        if self.live:
            self.write(_CLEAR_LINE + self.status())
            self._status_shown = True

    def _clear(self) -> None:
        if self.live and self._status_shown:
            self.write(_CLEAR_LINE)
            self._status_shown = False


@dataclass(frozen=True)
class Counts:
    """What an apply did to rooms, for the closing summary."""

    created: int = 0
    replaced: int = 0
    deleted: int = 0
    unchanged: int = 0


def format_summary(counts: Counts, seconds: float) -> str:
    """`3 created, 1 replaced, 0 deleted, 2 unchanged in 4.2 s`."""
    return (
        f"{counts.created} created, {counts.replaced} replaced, "
        f"{counts.deleted} deleted, {counts.unchanged} unchanged in {seconds:.1f} s"
    )
