"""The one paging loop: every room once, on has_more or full pages, never on count."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from provisioner.kaleyra import RoomPage, RoomSummary
from provisioner.kaleyra.listing import walk_rooms
from provisioner.kaleyra.models import parse_page

CREATED = datetime(2026, 11, 25, 10, 15, tzinfo=UTC)


def room(i: int) -> RoomSummary:
    return RoomSummary(
        f"room_{i:03d}", None, "audio_video", "NOT_RUNNING", False, CREATED
    )


@dataclass
class Pages:
    """A room list of ``total`` rooms, served ``served`` a page at most."""

    total: int
    served: int = 100
    count_is_total: bool = False
    send_has_more: bool = False
    asked: list[tuple[int, int]] = field(default_factory=list)

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage:
        self.asked.append((skip, limit))
        size = min(limit, self.served)
        ids = list(range(skip, min(skip + size, self.total)))
        body: dict[str, object] = {
            "limit": size,
            "count": self.total if self.count_is_total else len(ids),
            "rooms": [
                {
                    "room_id": f"room_{i:03d}",
                    "call_type": "audio_video",
                    "status": "NOT_RUNNING",
                    "creationDate": "2026-11-25T10:15:00Z",
                }
                for i in ids
            ],
        }
        if self.send_has_more:
            body["has_more"] = int(
                skip + len(ids) < self.total
            )  # 1/0, as text would do
        return parse_page(body, skip, limit)


def walk(pages: Pages, page_size: int = 100, overlap: int = 0) -> list[str]:
    async def main() -> list[str]:
        return [r.room_id async for r in walk_rooms(pages, page_size, overlap)]

    return asyncio.run(main())


@pytest.mark.parametrize("send_has_more", [True, False])
@pytest.mark.parametrize("count_is_total", [True, False])
@pytest.mark.parametrize(
    ("total", "page_size", "served"),
    [
        (0, 100, 100),
        (1, 100, 100),
        (100, 100, 100),
        (250, 100, 100),
        (45, 100, 20),
        (7, 3, 3),
    ],
)
def test_every_room_once(
    total: int, page_size: int, served: int, count_is_total: bool, send_has_more: bool
) -> None:
    pages = Pages(total, served, count_is_total, send_has_more)
    assert walk(pages, page_size) == [f"room_{i:03d}" for i in range(total)]


def test_a_short_page_ends_the_walk_without_has_more() -> None:
    pages = Pages(250)
    walk(pages)
    assert pages.asked == [(0, 100), (100, 100), (200, 100)]


def test_a_full_last_page_costs_one_empty_page() -> None:
    pages = Pages(200)
    walk(pages)
    assert pages.asked == [(0, 100), (100, 100), (200, 100)]


def test_overlapping_pages_yield_each_room_once() -> None:
    pages = Pages(250)
    assert walk(pages, overlap=10) == [f"room_{i:03d}" for i in range(250)]
    assert [skip for skip, _ in pages.asked] == [0, 90, 180]


def test_small_pages_are_read_back_to_back_despite_the_overlap() -> None:
    pages = Pages(45, served=20)
    walk(pages, overlap=10)
    assert [skip for skip, _ in pages.asked] == [0, 20, 40]


def test_a_server_ignoring_skip_does_not_loop_forever() -> None:
    @dataclass
    class Stuck:
        asked: int = 0

        async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage:
            self.asked += 1
            return RoomPage([room(1), room(2)], has_more=True)

    stuck = Stuck()

    async def main() -> list[str]:
        return [r.room_id async for r in walk_rooms(stuck, 2)]

    assert asyncio.run(main()) == ["room_001", "room_002"]
    assert stuck.asked == 2
