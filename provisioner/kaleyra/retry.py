"""How patiently a request is repeated: backoff with full jitter, Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MAX_EXPONENT = 60  # 2**60 * base is past any sane cap; avoids float overflow


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries a request gets and how long each may take.

    ``attempts`` counts the first try. The wait before retry ``n`` (0-based) is
    ``uniform(0, min(cap, base * 2**n))``, or the server's ``Retry-After``
    (capped by ``cap``) when it sent one. ``timeout`` bounds each try, in seconds.
    """

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.base < 0 or self.cap < 0 or self.timeout <= 0:
            raise ValueError("RetryPolicy needs base, cap >= 0 and timeout > 0")

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        if retry_after is not None:
            return min(self.cap, retry_after)
        ceiling = min(self.cap, self.base * 2 ** min(retry, _MAX_EXPONENT))
        return random.uniform(0, ceiling)


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
