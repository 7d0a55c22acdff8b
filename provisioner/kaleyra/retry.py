"""How patiently a request is repeated: backoff with jitter, Retry-After, a budget.

Two kinds of refusal, two rules. A failure (5xx, no answer) may mean the API
is broken: it gets ``attempts`` tries. A 429 is flow control, not a failure:
the request did nothing and will work later, so it uses up no attempt; it
waits (``Retry-After``, else an exponential backoff up to ``rate_limit_cap``)
for as long as the operation's time budget lasts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MAX_EXPONENT = 60  # 2**60 * base is past any sane cap; avoids float overflow


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries a request gets, how long each may take, how long to wait.

    ``attempts`` counts the first try and bounds failures only. The wait before
    retry ``n`` (0-based) is ``uniform(0, min(cap, base * 2**n))``, or the
    server's ``Retry-After`` (capped by ``cap``) when it sent one. ``timeout``
    bounds each try. ``retry_budget_seconds`` bounds all the waiting of one
    operation, 429s included (``api.retry_budget_seconds``). All in seconds.
    """

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    timeout: float = 10.0
    retry_budget_seconds: float = 900.0
    # kaleyra-api.md, "What the published reference shows": no limits and no
    # Retry-After are documented; Kaleyra's own sample apps wait 60 s on 429.
    rate_limit_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.base < 0 or self.cap < 0 or self.timeout <= 0:
            raise ValueError("RetryPolicy needs base, cap >= 0 and timeout > 0")
        if not self.retry_budget_seconds >= 0 or not self.rate_limit_cap >= 0:
            raise ValueError(
                "RetryPolicy needs retry_budget_seconds, rate_limit_cap >= 0"
            )

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        if retry_after is not None:
            return min(self.cap, retry_after)
        ceiling = min(self.cap, self.base * 2 ** min(retry, _MAX_EXPONENT))
        return random.uniform(0, ceiling)

    def rate_limit_delay(self, limited: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``limited``-th 429 (0-based) of an operation.

        ``Retry-After`` as for any retry; without it the ceiling doubles from
        ``base`` up to ``rate_limit_cap``, and the wait is drawn from its upper
        half: it grows for sure (the limit must be given room) yet concurrent
        operations do not come back in step.
        """
        if retry_after is not None:
            return min(self.cap, retry_after)
        exponent = min(limited, _MAX_EXPONENT)
        ceiling = min(self.rate_limit_cap, self.base * 2**exponent)
        return random.uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now or datetime.now(UTC))
    return max(0.0, seconds) if seconds == seconds else None  # NaN is no answer


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())
