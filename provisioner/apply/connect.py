"""The API client an apply uses: base URL and key from settings and environment.

The key comes only from `KALEYRA_API_KEY`; `KALEYRA_API_URL` overrides the
base URL. A few environment knobs tune the retry policy, mostly so tests and
the emulator demo need not wait for production-sized backoffs:
`PROVISIONER_RETRY_BASE`, `PROVISIONER_RETRY_CAP` (seconds) and
`PROVISIONER_RETRY_ATTEMPTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from provisioner import environment
from provisioner.environment import KEY_ENV, RETRY_ENV
from provisioner.errors import ProvisionerError
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy, base_url_for
from provisioner.kaleyra.session import OnRetry
from provisioner.model import Settings


def retry_policy(environ: Mapping[str, str] | None = None) -> RetryPolicy:
    """The default retry policy with any PROVISIONER_RETRY_* override applied."""
    changes: dict[str, Any] = {}
    for field, variable in RETRY_ENV.items():
        text = environment.value(variable, environ)
        try:
            if text:
                changes[field] = int(text) if field == "attempts" else float(text)
        except ValueError:
            raise ProvisionerError(
                f"{variable}: expected a number, got {text!r}"
            ) from None
    try:
        return replace(RetryPolicy(), **changes)
    except ValueError as exc:
        raise ProvisionerError(f"PROVISIONER_RETRY_*: {exc}") from None


def api_key() -> ApiKey | None:
    """The key from KALEYRA_API_KEY, or None."""
    return ApiKey.from_env()


def require_key(why: str) -> ApiKey:
    """The API key, or a clear error saying what needed it."""
    key = api_key()
    if key is None:
        raise ProvisionerError(f"no API key: set {KEY_ENV} to {why}")
    return key


def client_for(
    settings: Settings, key: ApiKey, on_retry: OnRetry | None = None
) -> KaleyraClient:
    """A client for the configured API (KALEYRA_API_URL wins)."""
    url = base_url_for(settings.api_environment, settings.api_region, settings.api_url)
    retry = replace(
        retry_policy(), retry_budget_seconds=float(settings.api_retry_budget_seconds)
    )
    return KaleyraClient(url, key, retry=retry, on_retry=on_retry)
