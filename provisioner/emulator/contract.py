"""The emulator's own reading of the Kaleyra API contract.

Deliberately independent of the provisioner's rules: when the two disagree,
the tests that run the provisioner against the emulator fail. Points the
public documentation leaves open are marked [ASSUMED], each stated once here.
"""

from __future__ import annotations

import re

USER_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
ID_LENGTH = 12
ROOM_PREFIX = "room_"
USER_PREFIX = "usr_"
TOKEN_HEX_DIGITS = 16

PARTICIPANTS_MIN = 2
PARTICIPANTS_MAX = 25
UNIQUE_PARTICIPANTS = True  # [ASSUMED] user ids unique within a room
DURATION_MIN = 60
DURATION_MAX = 86400
RECORDING_TYPES = ("automatic", "manual")
CALL_TYPES = ("audio_only", "audio_upgradable", "audio_video")
ROLES = ("basic", "plus")
CREATOR_ROLE = "plus"
LANGUAGES = ("en", "it", "de", "fr", "pl")
STATUSES = ("NOT_RUNNING", "RUNNING", "CLOSED")
DEFAULT_STATUS = "NOT_RUNNING"
CLOSED_STATUS = "CLOSED"  # "deleted or ended"

TOOLS = (
    "chat",
    "screen_sharing",
    "file_upload",
    "snapshot",
    "live_edit",
    "live_pointer",
    "present_to_everyone",
    "whiteboard",
)
WHITEBOARD_TOOLS = (
    "wb_add_file",
    "wb_cursor",
    "wb_text",
    "wb_shape",
    "wb_pen",
    "wb_eraser",
)

ROOM_DEFAULTS: dict[str, object] = {
    "recording": False,
    "recording_type": "automatic",
    "call_type": "audio_video",
    "live": False,
    "directCall": False,
}
ROOM_KEYS = (
    "participants",
    "recording",
    "recording_type",
    "call_type",
    "live",
    "duration",
    "description",
    "initiatorAlias",
    "directCall",
    "call_action",  # [ASSUMED] inner shape unpublished: any object passes through
)
PARTICIPANT_KEYS = ("user_id", "is_admin", "tools")
USER_CREATE_KEYS = ("id", "role", "can_video", "language")
USER_UPDATE_KEYS = ("role", "can_video", "language")

LINK_BASE = "https://sandbox.bandyer.com/connect"
LINK_HANDLER = "rest-call-handler"
DIRECT_LINK_HANDLER = "direct-rest-call-handler"  # [ASSUMED] when directCall is true

LIST_DEFAULT_LIMIT = 20  # [ASSUMED] the documented example's limit
LIST_MAX_LIMIT = 100
LIST_COUNT_IS_PAGE_SIZE = True  # [ASSUMED] `count` counts this page, not every room
INFO_OMITS_ENABLED_FLAG = True  # [ASSUMED] `disabled` appears only when true
REVOKED_LINKS_LEAVE_INFO = True  # [ASSUMED] a revoked link vanishes from user_urls
RETRY_AFTER_ON_429 = True  # [ASSUMED] 429 answers carry Retry-After (seconds)
# The docs flavour answers some of these points otherwise: see dialect.py.

# Error triples: (status, name, code). [ASSUMED] envelope
# {"error": {"name": ..., "code": ..., "message": ...}}.
BAD_KEY = (401, "invalid_api_key", "invalid_api_key")
ROOM_NOT_FOUND = (404, "invalid_request_error", "room_not_found")  # [ASSUMED]
TOKEN_NOT_FOUND = (404, "invalid_request_error", "token_not_found")  # [ASSUMED]
ROUTE_NOT_FOUND = (404, "invalid_request_error", "route_not_found")  # [ASSUMED]
UNKNOWN_USER = (400, "invalid_request_error", "invalid_user_id")
NO_PLUS = (400, "invalid_request_error", "no_plus_participant")
USER_EXISTS = (400, "invalid_request_error", "user_id_already_exists")
BAD_JSON = (400, "invalid_request_error", "invalid_json")  # [ASSUMED]
SERVER_ERROR = (500, "server_error", "internal_error")  # [ASSUMED] 5xx body
UNAVAILABLE = (503, "server_error", "service_unavailable")  # [ASSUMED]
RATE_LIMITED = (429, "rate_limit_error", "too_many_requests")  # [ASSUMED]
VALIDATION_STATUS = 422
VALIDATION_NAME = "validation_error"


def validation_code(field: str) -> str:
    """[ASSUMED] 422 codes are ``<top-level field>_validation_error``."""
    return f"{field}_validation_error"
