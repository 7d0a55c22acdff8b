"""Backoff uses full jitter under a cap; Retry-After is read in both of its forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioner.kaleyra import RetryPolicy
from provisioner.kaleyra.retry import parse_retry_after


def test_defaults() -> None:
    assert RetryPolicy() == RetryPolicy(attempts=6, base=0.5, cap=30.0, timeout=10.0)


@given(
    retry=st.integers(min_value=0, max_value=10_000),
    base=st.floats(min_value=0, max_value=10),
    cap=st.floats(min_value=0, max_value=100),
)
def test_backoff_is_full_jitter_under_the_cap(
    retry: int, base: float, cap: float
) -> None:
    delay = RetryPolicy(base=base, cap=cap).delay(retry)
    assert 0 <= delay <= min(cap, base * 2 ** min(retry, 60))


def test_backoff_grows_then_stops_at_the_cap() -> None:
    policy = RetryPolicy(base=1.0, cap=5.0)
    assert max(policy.delay(0) for _ in range(200)) <= 1.0
    assert max(policy.delay(2) for _ in range(200)) > 2.0
    assert max(policy.delay(50) for _ in range(200)) <= 5.0


@pytest.mark.parametrize(
    ("retry_after", "expected"), [(2.0, 2.0), (0.0, 0.0), (99, 30.0)]
)
def test_retry_after_replaces_backoff_but_not_the_cap(
    retry_after: float, expected: float
) -> None:
    assert RetryPolicy(cap=30.0).delay(3, retry_after) == expected


@pytest.mark.parametrize(
    "bad",
    [{"attempts": 0}, {"base": -1.0}, {"cap": -1.0}, {"timeout": 0.0}],
)
def test_nonsense_policies_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**bad)  # type: ignore[arg-type]


NOW = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1", 1.0),
        (" 120 ", 120.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        (format_datetime(NOW + timedelta(seconds=7), usegmt=True), 7.0),
        (format_datetime(NOW - timedelta(seconds=7), usegmt=True), 0.0),
        ("Wed, 25 Nov 2026 10:00:03 GMT", 3.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected
