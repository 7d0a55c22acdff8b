"""The Kaleyra Video API client.

endpoint.py   ApiKey (prints as ***) and base_url_for
models.py     the answers as frozen dataclasses, and their parsers
retry.py      RetryPolicy: backoff with full jitter, Retry-After
failures.py   error answers -> our ApiError tree, scrubbed of secrets
session.py    one request tried as often as is safe (never a blind create)
client.py     KaleyraClient: one method per endpoint
"""

from provisioner.kaleyra.client import KaleyraClient
from provisioner.kaleyra.endpoint import ApiKey, base_url_for, is_loopback
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
]
