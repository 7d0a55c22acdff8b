"""Turning a refused request into one of our errors, with nothing secret in it.

The API's own words are kept (they help the user) but scrubbed: a URL or a
secret in them is replaced, so an error message never carries a join link,
a token or the key. Log records of httpx get their token paths scrubbed too.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from provisioner.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
    WrongAddressError,
)

WRONG_ADDRESS_HINT = (
    "check api.url and KALEYRA_API_URL: the base URL is the API's host, "
    "without a trailing /rest"
)

# [ASSUMED] The contract documents 200 (create: "accept 201 as well"); any 2xx
# is read as success, an empty body included where the answer is ignored.
SUCCESS_STATUSES = range(200, 300)
RETRY_AFTER_STATUSES = frozenset({429, 503})  # [ASSUMED] where Retry-After is read
# kaleyra-api.md, Hosts and authentication: a wrong key is 401 invalid_api_key,
# "older docs also say 400". Any 4xx whose name or code names the key is one.
KEY_WORDS = ("api_key", "apikey")
# kaleyra-api.md, Users: an unknown user is 400 invalid_user_id (not 404).
MISSING_USER_CODES = frozenset({"invalid_user_id", "user_not_found"})
TOKEN_SHOWN = "***"
_TOKEN_PATH = re.compile(r"(/rest/token/delete/)[^/?#\s\"']+")
_MAX_MESSAGE = 300
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Refusal:
    """What an error answer said: name, code and message, whatever the envelope.

    ``api`` is true when the body is JSON naming an error (a name or a code):
    the API's own words, not a proxy's page or a web framework's default.
    """

    status: int
    name: str | None
    code: str | None
    message: str
    api: bool = False

    def names(self, word: str) -> bool:
        """Whether the error's name or code mentions ``word`` (``room``, ...)."""
        return any(word in i.lower() for i in (self.name, self.code) if i)


def read_refusal(response: httpx.Response, secrets: tuple[str, ...]) -> Refusal:
    """The error answer in any envelope it may come in, scrubbed."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        body = None  # an HTML page from a proxy, an empty body: status only
    fields = _envelope(body)
    name, code = _identifier(fields.get("name")), _identifier(fields.get("code"))
    return Refusal(
        response.status_code,
        name,
        code,
        scrub(fields.get("message"), secrets),
        api=bool(name or code),
    )


def _envelope(body: object) -> Mapping[str, Any]:
    """The object holding name, code and message.

    kaleyra-api.md, "What the published reference shows": the error envelope
    is not published for any endpoint. Read nested ``{"error": {name, code,
    message}}`` (our contract), flat ``{name, code, message}``, ``{"error":
    "<name>", code, message}`` and a bare ``{message}``.
    """
    if not isinstance(body, Mapping):
        return {}
    error = body.get("error")
    if isinstance(error, Mapping):
        return error
    if isinstance(error, str) and body.get("name") is None:
        return {**body, "name": error}
    return body


def scrub(message: object, secrets: tuple[str, ...]) -> str:
    """A message safe to show: no URLs, no secrets, one short line."""
    if not isinstance(message, str):
        return ""
    text = _URL.sub("<url>", message)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text[:_MAX_MESSAGE] + ("…" if len(text) > _MAX_MESSAGE else "")


def redact_token_paths(record: logging.LogRecord) -> bool:
    """A logging filter: ``/rest/token/delete/<token>`` becomes ``.../***``."""
    if isinstance(record.msg, str):
        record.msg = _TOKEN_PATH.sub(rf"\1{TOKEN_SHOWN}", record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(
            _TOKEN_PATH.sub(rf"\1{TOKEN_SHOWN}", str(arg))
            if isinstance(arg, str | httpx.URL)
            else arg
            for arg in record.args
        )
    return True


def error_for(
    refusal: Refusal,
    method: str,
    path: str,
    *,
    target: str = "",
    note: str = "",
    hint: str = WRONG_ADDRESS_HINT,
) -> ApiError:
    """The error that a refusal means.

    ``target`` is what the path names (``room``, ``user``, ``token``, or
    nothing); ``hint`` is added to a wrong-address error.
    """
    kind = _kind(refusal, target)
    message = refusal.message or _DEFAULT_MESSAGES.get(kind, "request failed")
    if kind is WrongAddressError:
        message = f"{_not_the_api(refusal, target)}; {hint}"
    if note:
        message = f"{message}; {note}"
    code = refusal.code or refusal.name
    return kind(message, method=method, path=path, status=refusal.status, code=code)


def _kind(refusal: Refusal, target: str) -> type[ApiError]:
    """Classified by status first, refined by the name or code when sent."""
    status = refusal.status
    if status in (401, 403) or (_client_error(status) and _names_key(refusal)):
        return AuthError
    if status == 404:
        return NotFoundError if gone(refusal, target) else WrongAddressError
    if status == 400 and gone(refusal, target):
        return NotFoundError
    if status in (400, 422):
        return ValidationError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return ApiError


def gone(refusal: Refusal, target: str) -> bool:
    """Whether the API says the thing the path names does not exist.

    kaleyra-api.md, "What the published reference shows": unknown-room
    answers are not documented; 404, or a 400 whose code names the room, are
    both plausible. A 404 counts only when the API's own error names what was
    asked for: a 404 from a proxy, a web framework or an unknown route (a base
    URL ending in ``/rest``) says the address is wrong, not that a room is gone.
    """
    if not target or not refusal.api:
        return False
    if refusal.status == 404:
        return refusal.names(target)
    if refusal.status == 400 and target == "user":
        return refusal.code in MISSING_USER_CODES
    return refusal.status == 400 and target == "room" and refusal.names("room")


def address_hint(base_path: str) -> str:
    """The wrong-address hint for a base URL whose path is ``base_path``."""
    if base_path.rstrip("/").endswith("/rest"):
        return f"the base URL ends in /rest, which paths add; {WRONG_ADDRESS_HINT}"
    return WRONG_ADDRESS_HINT


def _client_error(status: int) -> bool:
    return 400 <= status < 500 and status != 429


def _names_key(refusal: Refusal) -> bool:
    return any(refusal.names(word) for word in KEY_WORDS)


def _not_the_api(refusal: Refusal, target: str) -> str:
    if not refusal.api:
        return "not found, and the answer is not the Kaleyra API's error"
    if target:
        return f"not found, and the error names no {target}"
    return "this endpoint was not found"


def _identifier(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and _CODE.match(value) else None


_DEFAULT_MESSAGES: dict[type[ApiError], str] = {
    AuthError: "the API key was refused",
    NotFoundError: "not found",
    ValidationError: "the API rejected the request",
    RateLimitedError: "rate limited",
    ServerError: "server error",
}
