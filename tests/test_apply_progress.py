"""Progress display and summary: plain lines in CI, a live line on a terminal."""

from __future__ import annotations

from provisioner.apply.progress import Counts, Progress, format_seconds, format_summary


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_summary_line() -> None:
    counts = Counts(created=3, replaced=1, deleted=0, unchanged=2)
    assert format_summary(counts, 4.24) == (
        "3 created, 1 replaced, 0 deleted, 2 unchanged in 4.2 s"
    )


def test_seconds_are_short() -> None:
    assert format_seconds(0.214) == "0.21s"
    assert format_seconds(12.34) == "12.3s"


def test_plain_progress_writes_one_line_per_finished_operation() -> None:
    out: list[str] = []
    clock = FakeClock()
    progress = Progress(out.append, live=False, clock=clock)
    progress.start(2)
    progress.begin("standup", "creating standup")
    clock.now += 0.21
    progress.finish("standup", "created standup (room_abc)")
    progress.retry("POST /rest/room/create: HTTP 429", 1.5)
    progress.close()
    assert out == ["created standup (room_abc) in 0.21s\n"]
    assert progress.retries == 1


def test_live_status_shows_done_total_in_flight_and_retries() -> None:
    out: list[str] = []
    clock = FakeClock()
    progress = Progress(out.append, live=True, width=200, clock=clock)
    progress.start(10)
    for name in ("a", "b", "c", "d", "e"):
        progress.begin(name, f"creating {name}")
    progress.finish("a", "created a (room_a)")
    progress.retry("GET /rest/room/list", 2.0)
    assert progress.status() == (
        "[1/10] · creating b, creating c, creating d +1 more · 1 retry waiting"
    )
    clock.now += 3
    assert progress.status() == "[1/10] · creating b, creating c, creating d +1 more"
    assert "\r\x1b[Kcreated a (room_a) in 0.00s\n" in "".join(out)
    progress.close()
    assert out[-1] == "\r\x1b[K"


def test_live_status_fits_the_terminal() -> None:
    progress = Progress(lambda _: None, live=True, width=30, clock=FakeClock())
    progress.start(3)
    progress.begin("x", "creating a-very-long-room-name-indeed")
    status = progress.status()
    assert len(status) == 29 and status.endswith("…")


def test_live_status_says_how_long_a_rate_limit_waits() -> None:
    out: list[str] = []
    progress = Progress(out.append, live=True, width=200, clock=FakeClock())
    progress.start(3)
    progress.retry("GET /rest/room/list: rate limited, waiting 40 s (attempt 3)", 40)
    assert progress.status() == (
        "[0/3] · 1 retry waiting · rate limited, waiting 40 s (attempt 3)"
    )
