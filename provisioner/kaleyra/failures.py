"""Turning a refused request into one of our errors, with nothing secret in it.

The API's own words are kept (they help the user) but scrubbed: a URL or a
secret in them is replaced, so an error message never carries a join link,
a token or the key. Log records of httpx get their token paths scrubbed too.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import httpx

from provisioner.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
)

# [ASSUMED] The contract documents 200 (create: "accept 201 as well"); any 2xx
# is read as success, an empty body included where the answer is ignored.
SUCCESS_STATUSES = range(200, 300)
RETRY_AFTER_STATUSES = frozenset({429, 503})  # [ASSUMED] where Retry-After is read
AUTH_CODES = frozenset({"invalid_api_key"})  # a 400 with this is an auth failure
MISSING_USER_CODE = "invalid_user_id"  # the API's 400 for an unknown user
TOKEN_SHOWN = "***"
_TOKEN_PATH = re.compile(r"(/rest/token/delete/)[^/?#\s\"']+")
_MAX_MESSAGE = 300
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Refusal:
    """What an error answer said: the envelope's name, code and message."""

    status: int
    name: str | None
    code: str | None
    message: str


def read_refusal(response: httpx.Response, secrets: tuple[str, ...]) -> Refusal:
    """The error envelope ``{"error": {name, code, message}}``, scrubbed.

    [ASSUMED] envelope shape; anything else yields a refusal without details.
    """
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        body = None
    envelope = body.get("error") if isinstance(body, dict) else None
    if not isinstance(envelope, dict):
        return Refusal(response.status_code, None, None, "")
    return Refusal(
        response.status_code,
        _identifier(envelope.get("name")),
        _identifier(envelope.get("code")),
        scrub(envelope.get("message"), secrets),
    )


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
    refusal: Refusal, method: str, path: str, *, user: bool = False, note: str = ""
) -> ApiError:
    """The error that a refusal means; ``user`` when the path names a user."""
    kind = _kind(refusal, user)
    message = refusal.message or _DEFAULT_MESSAGES.get(kind, "request failed")
    if note:
        message = f"{message}; {note}"
    code = refusal.code or refusal.name
    return kind(message, method=method, path=path, status=refusal.status, code=code)


def _kind(refusal: Refusal, user_target: bool) -> type[ApiError]:
    status, code = refusal.status, refusal.code
    if status in (401, 403) or (status == 400 and AUTH_CODES & {code, refusal.name}):
        return AuthError
    if status == 404 or (status == 400 and user_target and code == MISSING_USER_CODE):
        return NotFoundError
    if status in (400, 422):
        return ValidationError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return ApiError


def _identifier(value: object) -> str | None:
    return value if isinstance(value, str) and _CODE.match(value) else None


_DEFAULT_MESSAGES: dict[type[ApiError], str] = {
    AuthError: "the API key was refused",
    NotFoundError: "not found",
    ValidationError: "the API rejected the request",
    RateLimitedError: "rate limited",
    ServerError: "server error",
}
