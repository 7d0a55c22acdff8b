"""The emulator's memory: users, rooms and their links, with the API's rules.

Rooms are never forgotten: a deleted room stays here flagged ``deleted`` so
that tests can count every room ever created. The API acts on it no more; only
a dialect whose room/info reads deleted rooms (as ``CLOSED``) still shows it.

A link has its create token and, once a dialect has asked for one, a second
token for room/info answers: both name the same link, so revoking either
revokes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from provisioner.emulator import contract as c
from provisioner.emulator.problems import Refused


@dataclass
class User:
    id: str
    role: str
    can_video: bool
    language: str | None
    creation_date: str


@dataclass
class Link:
    room_id: str
    user: str
    is_admin: bool
    tools: dict[str, Any]
    token: str
    revoked: bool = False
    attach: str | None = None  # the token room/info shows, when it is another


@dataclass
class Room:
    room_id: str
    seq: int
    created_at: str
    request: dict[str, Any]  # the validated body, defaults filled in, no participants
    links: list[Link]
    received: dict[str, Any] = field(default_factory=dict)  # the body as sent
    status: str = c.DEFAULT_STATUS
    disabled: bool = False
    deleted: bool = False
    duration_used: int = 0

    @property
    def usable(self) -> bool:
        return not (self.disabled or self.deleted)

    @property
    def shown_status(self) -> str:
        """The status the API reads: a deleted room is ``CLOSED``."""
        return c.CLOSED_STATUS if self.deleted else self.status


def timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds: ``2026-11-25T10:15:00.000Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Store:
    """Users and rooms; every method either succeeds or raises ``Refused``."""

    rng: random.Random
    clock: Callable[[], datetime] = _now
    users: dict[str, User] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    tokens: dict[str, Link] = field(default_factory=dict)

    # -- users --------------------------------------------------------------

    def create_user(self, fields: dict[str, Any]) -> User:
        user_id = fields.get("id") or self._new_id(c.USER_PREFIX, self.users)
        if user_id in self.users:
            raise Refused(c.USER_EXISTS, f"user {user_id!r} already exists")
        user = User(
            id=user_id,
            role=fields["role"],
            can_video=fields.get("can_video", True),
            language=fields.get("language"),
            creation_date=timestamp(self.clock()),
        )
        self.users[user_id] = user
        return user

    def user(self, user_id: str) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise Refused(c.UNKNOWN_USER, f"no user {user_id!r}") from None

    def update_user(self, user_id: str, fields: dict[str, Any]) -> User:
        user = self.user(user_id)
        for key, value in fields.items():
            setattr(user, key, value)
        return user

    def delete_user(self, user_id: str) -> None:
        del self.users[self.user(user_id).id]

    # -- rooms --------------------------------------------------------------

    def create_room(self, request: dict[str, Any], received: dict[str, Any]) -> Room:
        people = request["participants"]
        settings = {k: v for k, v in request.items() if k != "participants"}
        self._check_people([p["user_id"] for p in people], settings)
        room_id = self._new_id(c.ROOM_PREFIX, self.rooms)
        room = Room(
            room_id=room_id,
            seq=len(self.rooms),
            created_at=timestamp(self.clock()),
            request=settings,
            links=[self._link(room_id, p) for p in people],
            received=received,
        )
        self.rooms[room.room_id] = room
        return room

    def room(self, room_id: str, *, deleted_too: bool = False) -> Room:
        """A room the API can act on (not deleted, unless ``deleted_too``)."""
        room = self.rooms.get(room_id)
        if room is None or (room.deleted and not deleted_too):
            raise Refused(c.ROOM_NOT_FOUND, f"no room {room_id!r}")
        return room

    def disable(self, room_id: str) -> Room:
        room = self.room(room_id)
        room.disabled = True
        return room

    def delete(self, room_id: str) -> Room:
        room = self.room(room_id)
        room.deleted = True
        return room

    def revoke(self, token: str) -> None:
        link = self.tokens.get(token)
        if link is None or link.revoked or not self.rooms[link.room_id].usable:
            raise Refused(c.TOKEN_NOT_FOUND, "no such token")
        link.revoked = True

    def attach(self, room: Room, digits: int) -> bool:
        """Give every link of ``room`` its second token; True if any was new."""
        missing = [link for link in room.links if link.attach is None]
        for link in missing:
            link.attach = self._new_token(digits)
            self.tokens[link.attach] = link
        return bool(missing)

    def page(self, skip: int, limit: int) -> tuple[list[Room], int]:
        """Visible rooms, newest first: this page and how many there are in all."""
        visible = [r for r in reversed(self.rooms.values()) if not r.deleted]
        return visible[skip : skip + limit], len(visible)

    # -- persistence --------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        return {
            "users": [asdict(u) for u in self.users.values()],
            "rooms": [asdict(r) for r in self.rooms.values()],
        }

    def load(self, data: dict[str, Any]) -> None:
        self.users = {u["id"]: User(**u) for u in data.get("users", [])}
        self.rooms = {}
        for raw in data.get("rooms", []):
            links = [Link(**link) for link in raw.pop("links")]
            self.rooms[raw["room_id"]] = Room(links=links, **raw)
        self.tokens = {}
        for link in self._all_links():
            for token in (link.token, link.attach):
                if token is not None:
                    self.tokens[token] = link

    # -- helpers ------------------------------------------------------------

    def _check_people(self, user_ids: list[str], request: dict[str, Any]) -> None:
        alias = request.get("initiatorAlias")
        for user_id in [*user_ids, *([alias] if alias else [])]:
            if user_id not in self.users:
                raise Refused(c.UNKNOWN_USER, f"user {user_id!r} does not exist")
        if not any(self.users[u].role == c.CREATOR_ROLE for u in user_ids):
            raise Refused(c.NO_PLUS, "a room needs at least one plus participant")

    def _link(self, room_id: str, participant: dict[str, Any]) -> Link:
        token = self._new_token()
        link = Link(
            room_id,
            participant["user_id"],
            participant["is_admin"],
            participant["tools"],
            token,
        )
        self.tokens[token] = link
        return link

    def _all_links(self) -> Iterator[Link]:
        for room in self.rooms.values():
            yield from room.links

    def _new_id(self, prefix: str, taken: dict[str, Any]) -> str:
        while True:
            tail = "".join(self.rng.choices(c.ID_ALPHABET, k=c.ID_LENGTH))
            if prefix + tail not in taken:
                return prefix + tail

    def _new_token(self, digits: int = c.TOKEN_HEX_DIGITS) -> str:
        while True:
            bits = self.rng.getrandbits(4 * digits)
            token = f"{bits:0{digits}x}"
            if token not in self.tokens:
                return token
