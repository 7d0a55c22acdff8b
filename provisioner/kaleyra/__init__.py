"""The Kaleyra Video API client.

endpoint.py   ApiKey (prints as ***) and base_url_for
reading.py    the tolerant reader: each answer field in every spelling the API uses
models.py     the answers as frozen dataclasses, and their parsers
listing.py    walk_rooms: the one paging loop over the room list
retry.py      RetryPolicy: backoff with jitter, Retry-After, a time budget
failures.py   error answers in any envelope -> our ApiError tree, scrubbed
session.py    one request tried as often as is safe (never a blind create);
              429s wait within the budget, shared by every call
client.py     KaleyraClient: one method per endpoint, and probe()

docs/api-contract.md lists every point the API leaves open and where it lives.
"""

from provisioner.kaleyra.client import KaleyraClient
from provisioner.kaleyra.endpoint import ApiKey, base_url_for, is_loopback
from provisioner.kaleyra.listing import walk_rooms
from provisioner.kaleyra.models import (
    CreatedRoom,
    RoomInfo,
    RoomPage,
    RoomSummary,
    UserInfo,
)
from provisioner.kaleyra.retry import RetryPolicy

__all__ = [
    "ApiKey",
    "CreatedRoom",
    "KaleyraClient",
    "RetryPolicy",
    "RoomInfo",
    "RoomPage",
    "RoomSummary",
    "UserInfo",
    "base_url_for",
    "is_loopback",
    "walk_rooms",
]
