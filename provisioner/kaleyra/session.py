"""One request, tried as often as is safe: the retry loop and its judgement.

Reads, deletes, disables and user operations are retried on 429, 5xx and
transport failures. A room create is different: the API has no idempotency
key, so once the request may have reached the server a lost answer can hide a
new room. Such a create fails with ``OutcomeUnknownError`` instead of being
repeated; only a 429 or a failure to connect (nothing was sent) is retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from provisioner.errors import ApiError, ConnectionFailed, OutcomeUnknownError
from provisioner.kaleyra.failures import (
    RETRY_AFTER_STATUSES,
    SUCCESS_STATUSES,
    error_for,
    read_refusal,
)
from provisioner.kaleyra.models import ShapeError
from provisioner.kaleyra.retry import RetryPolicy, parse_retry_after

log = logging.getLogger("provisioner.kaleyra")
T = TypeVar("T")
OnRetry = Callable[[str, float], None]

# Failures that happen before a single byte of the request left: always safe.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
# Failures that retrying cannot cure; nothing was sent.
_HOPELESS: tuple[type[Exception], ...] = (
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


@dataclass(frozen=True)
class Call:
    """One API request. ``shown`` is the path as logged and reported."""

    method: str
    path: str
    shown: str
    body: Mapping[str, Any] | None = None
    params: Mapping[str, int] | None = None
    create: bool = False  # a lost answer may hide a new room: never retried blindly
    user_target: bool = False  # the path names a user: invalid_user_id is a 404
    hidden: tuple[str, ...] = ()  # secrets in this call (a token) to scrub from text

    def where(self) -> str:
        return f"{self.method} {self.shown}"


@dataclass(frozen=True)
class _Retryable:
    error: ApiError  # raised when the attempts run out
    reason: str
    retry_after: float | None = None


class Session:
    """Sends calls over one httpx client, retrying what is safe to retry."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        retry: RetryPolicy,
        secrets: tuple[str, ...],
        on_retry: OnRetry | None = None,
    ) -> None:
        self._http = http
        self._retry = retry
        self._secrets = secrets
        self._on_retry = on_retry

    async def send(self, call: Call, parse: Callable[[Any], T]) -> T:
        """The parsed answer to ``call``, or one of our ``ApiError``s."""
        attempts = self._retry.attempts
        for attempt in range(attempts):
            outcome = await self._attempt(call)
            if not isinstance(outcome, _Retryable):
                return self._parse(call, outcome, parse)
            if attempt + 1 == attempts:
                raise outcome.error
            delay = self._retry.delay(attempt, outcome.retry_after)
            log.debug("%s: %s; retrying in %.2fs", call.where(), outcome.reason, delay)
            if self._on_retry is not None:
                self._on_retry(f"{call.where()}: {outcome.reason}", delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: RetryPolicy.attempts >= 1")

    async def _attempt(self, call: Call) -> httpx.Response | _Retryable:
        response = await self._request(call)
        if isinstance(response, httpx.RequestError):
            log.debug("%s -> %s", call.where(), type(response).__name__)
            return self._transport_failure(call, response)
        log.debug("%s -> %d", call.where(), response.status_code)
        if response.status_code in SUCCESS_STATUSES:
            return response
        return self._status_failure(call, response)

    async def _request(self, call: Call) -> httpx.Response | httpx.RequestError:
        # The httpx error is returned, not handled here, so that the error we
        # raise from it is not chained to it: its text can quote the URL.
        try:
            return await self._http.request(
                call.method, call.path, json=call.body, params=call.params
            )
        except httpx.InvalidURL:
            raise ApiError(
                "invalid request URL", method=call.method, path=call.shown
            ) from None
        except httpx.RequestError as exc:
            return exc

    def _transport_failure(self, call: Call, exc: httpx.RequestError) -> _Retryable:
        if isinstance(exc, _HOPELESS):
            raise ConnectionFailed(
                f"the request could not be sent ({type(exc).__name__})",
                method=call.method,
                path=call.shown,
            )
        reason = _describe(exc)
        error = ConnectionFailed(
            f"no answer after {self._retry.attempts} attempt(s): {reason}",
            method=call.method,
            path=call.shown,
        )
        if call.create and not isinstance(exc, _NOT_SENT):
            raise _unknown(call, reason)
        return _Retryable(error, reason)

    def _status_failure(self, call: Call, response: httpx.Response) -> _Retryable:
        status = response.status_code
        refusal = read_refusal(response, self._secrets + call.hidden)
        if status != 429 and status < 500:
            raise error_for(refusal, call.method, call.shown, user=call.user_target)
        if call.create and status >= 500:
            raise _unknown(call, f"HTTP {status}", status)
        note = f"gave up after {self._retry.attempts} attempt(s)"
        error = error_for(refusal, call.method, call.shown, note=note)
        retry_after = None
        if status in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        return _Retryable(error, f"HTTP {status}", retry_after)

    def _parse(
        self, call: Call, response: httpx.Response, parse: Callable[[Any], T]
    ) -> T:
        try:
            # No body at all (a 204) is None: fine where the answer is ignored.
            content = response.content
            return parse(json.loads(content) if content.strip() else None)
        except (ValueError, UnicodeDecodeError) as exc:
            detail = str(exc) if isinstance(exc, ShapeError) else "not JSON"
        if call.create:
            raise _unknown(call, f"unreadable answer ({detail})", response.status_code)
        raise ApiError(
            f"unexpected answer: {detail}",
            method=call.method,
            path=call.shown,
            status=response.status_code,
        )


def _unknown(call: Call, reason: str, status: int | None = None) -> OutcomeUnknownError:
    return OutcomeUnknownError(
        f"{reason} after the request was sent; a room may have been created "
        "(reconcile before creating again)",
        method=call.method,
        path=call.shown,
        status=status,
    )


def _describe(exc: httpx.RequestError) -> str:
    # The class name only: httpx messages can quote the request URL.
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"connection failed ({type(exc).__name__})"
