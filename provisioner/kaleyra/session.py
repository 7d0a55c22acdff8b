"""One request, tried as often as is safe: the retry loop and its judgement.

Reads, deletes, disables and user operations are retried on 5xx and transport
failures, up to the policy's attempts. A room create is different: the API
has no idempotency key, so once the request may have reached the server a
lost answer can hide a new room. Such a create fails with
``OutcomeUnknownError`` instead of being repeated; only a failure to connect
(nothing was sent) is retried.

A 429 is flow control, not a failure: the request did nothing (a create
included) and is repeated without using up an attempt, for as long as the
operation's time budget lasts. Its wait is shared: every call of the session
holds back until it is over, one pause instead of every operation hammering
the limit on its own. A run that is stopping does not wait for a rate limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from provisioner.errors import ApiError, ConnectionFailed, OutcomeUnknownError
from provisioner.kaleyra.failures import (
    RETRY_AFTER_STATUSES,
    SUCCESS_STATUSES,
    WRONG_ADDRESS_HINT,
    Refusal,
    error_for,
    read_refusal,
)
from provisioner.kaleyra.models import ShapeError
from provisioner.kaleyra.retry import RetryPolicy, parse_retry_after

log = logging.getLogger("provisioner.kaleyra")
T = TypeVar("T")
OnRetry = Callable[[str, float], None]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

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
    target: str = ""  # what the path names (room, user, token): when a 404 is "gone"
    hidden: tuple[str, ...] = ()  # secrets in this call (a token) to scrub from text

    def where(self) -> str:
        return f"{self.method} {self.shown}"


@dataclass(frozen=True)
class _Retryable:
    give_up: Callable[[str], ApiError]  # the error, given how many tries were made
    reason: str
    retry_after: float | None = None
    limited: bool = False  # a 429: flow control, no attempt used up


@dataclass
class _Tally:
    """One operation so far: when it began, its tries, failures and 429s."""

    began: float
    tries: int = 0
    failures: int = 0
    limited: int = 0


class Session:
    """Sends calls over one httpx client, retrying what is safe to retry.

    ``sleep`` and ``clock`` (monotonic seconds) are injectable so that tests
    of long waits take no time; ``hint`` ends a wrong-address error.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        retry: RetryPolicy,
        secrets: tuple[str, ...],
        on_retry: OnRetry | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        hint: str = WRONG_ADDRESS_HINT,
    ) -> None:
        self._http = http
        self._retry = retry
        self._secrets = secrets
        self._on_retry = on_retry
        self._sleep = sleep
        self._clock = clock
        self.hint = hint
        self._calm_until = float("-inf")  # no call is sent before this time
        self.stopping: Callable[[], bool] = lambda: False

    async def send(self, call: Call, parse: Callable[[Any], T]) -> T:
        """The parsed answer to ``call``, or one of our ``ApiError``s."""
        tally = _Tally(self._clock())
        while True:
            await self._calm(tally)
            tally.tries += 1
            outcome = await self._attempt(call)
            if not isinstance(outcome, _Retryable):
                return self._parse(call, outcome, parse)
            delay = self._next_wait(outcome, tally)
            self._announce(call, outcome, delay, tally)
            if outcome.limited:
                self._calm_until = max(self._calm_until, self._clock() + delay)
            else:
                await self._sleep(delay)

    async def _calm(self, tally: _Tally) -> None:
        """Hold back while a rate limit lasts, within this operation's budget."""
        wait = min(self._calm_until - self._clock(), self._budget_left(tally))
        if wait > 0 and not self.stopping():
            await self._sleep(wait)

    def _next_wait(self, outcome: _Retryable, tally: _Tally) -> float:
        """Seconds before the next try; raises when it is time to give up."""
        policy = self._retry
        if outcome.limited:
            if self.stopping():
                raise outcome.give_up(f"after {tally.tries} attempt(s); stopping")
            delay = policy.rate_limit_delay(tally.limited, outcome.retry_after)
            tally.limited += 1
        else:
            tally.failures += 1
            if tally.failures >= policy.attempts:
                raise outcome.give_up(f"after {tally.tries} attempt(s)")
            delay = policy.delay(tally.failures - 1, outcome.retry_after)
        left = self._budget_left(tally)
        if left <= 0:
            budget = _seconds(policy.retry_budget_seconds)
            raise outcome.give_up(
                f"after {tally.tries} attempt(s) in {budget} s, "
                "the retry budget (api.retry_budget_seconds)"
            )
        return min(delay, left)

    def _budget_left(self, tally: _Tally) -> float:
        return self._retry.retry_budget_seconds - (self._clock() - tally.began)

    def _announce(
        self, call: Call, outcome: _Retryable, delay: float, tally: _Tally
    ) -> None:
        if outcome.limited:
            what = f"rate limited, waiting {_seconds(delay)} s (attempt {tally.tries})"
            log.warning("%s: %s", call.where(), what)
        else:
            what = outcome.reason
            log.debug("%s: %s; retrying in %.2fs", call.where(), what, delay)
        if self._on_retry is not None:
            self._on_retry(f"{call.where()}: {what}", delay)

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
        if call.create and not isinstance(exc, _NOT_SENT):
            raise _unknown(call, reason)

        def give_up(tries: str) -> ApiError:
            return ConnectionFailed(
                f"no answer {tries}: {reason}", method=call.method, path=call.shown
            )

        return _Retryable(give_up, reason)

    def _status_failure(self, call: Call, response: httpx.Response) -> _Retryable:
        status = response.status_code
        refusal = read_refusal(response, self._secrets + call.hidden)
        if status != 429 and status < 500:
            raise self._error(call, refusal)
        if call.create and status >= 500:
            raise _unknown(call, f"HTTP {status}", status)
        retry_after = None
        if status in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        return _Retryable(
            lambda tries: self._error(call, refusal, f"gave up {tries}"),
            f"HTTP {status}",
            retry_after,
            limited=status == 429,
        )

    def _error(self, call: Call, refusal: Refusal, note: str = "") -> ApiError:
        return error_for(
            refusal,
            call.method,
            call.shown,
            target=call.target,
            note=note,
            hint=self.hint,
        )

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


def _seconds(value: float) -> str:
    """A wait as people read it: 40, 1.5, 0.012."""
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"
