"""Walking the room list: the one paging loop, for every caller.

kaleyra-api.md, "What the published reference shows": the list's ``count`` is
the number of rooms on the page, never a total; page on ``has_more``, else on
full pages. ``parse_page`` reads that rule into ``RoomPage.has_more``; this
walk only follows it, so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final, Protocol

from provisioner.kaleyra.models import RoomPage, RoomSummary

PAGE_SIZE: Final = 100  # the API's largest page


class ListsRooms(Protocol):
    """Anything that reads one page of the room list (the client, a wrapper)."""

    async def list_rooms(self, skip: int = 0, limit: int = 100) -> RoomPage: ...


async def walk_rooms(
    api: ListsRooms, page_size: int = PAGE_SIZE, overlap: int = 0
) -> AsyncIterator[RoomSummary]:
    """Every room, newest first, page by page; each room yielded once.

    With ``overlap``, each page starts that many rooms before the end of the
    last one (a room deleted meanwhile shifts the later ones forward and
    must not make us skip one); pages too small for it are read back to back.
    Stop early by leaving the ``async for``.
    """
    seen: set[str] = set()
    skip = 0
    while True:
        page = await api.list_rooms(skip, page_size)
        # A room created during the walk shifts the pages: repeats are skipped.
        fresh = [room for room in page.rooms if room.room_id not in seen]
        for room in fresh:
            seen.add(room.room_id)
            yield room
        # Nothing new (a server ignoring skip) would repeat forever.
        if not page.has_more or not fresh:
            return
        listed = len(page.rooms)
        skip += listed - overlap if listed > 2 * overlap else listed
