"""Every environment variable the provisioner reads, read here and nowhere else.

A blank value means unset everywhere: `KALEYRA_API_KEY=""` (as a CI job gets
for a fork's pull request) plans offline, and apply says the key is not set.

| variable                      | what it does                                        |
|-------------------------------|-----------------------------------------------------|
| KALEYRA_API_KEY               | the API key (never printed)                         |
| KALEYRA_API_URL               | the base URL, over api.url and environment/region   |
| PROVISIONER_STATE             | the state location, over `state:`                   |
| PROVISIONER_ALLOW_* / _FORCE  | the --allow-* flags and --force (`1`)               |
| PROVISIONER_RETRY_BASE/CAP/ATTEMPTS | the retry policy (tests, the demo)            |
| PROVISIONER_RECONCILE_DELAY   | seconds before looking for a lost create's room     |
| PROVISIONER_COMMENT_AUTHOR    | whose comments are the plan's (default: any bot)    |

The CI platform's own variables (GITHUB_*, CI_*, GITLAB_TOKEN) are read by
ci/ from the mapping the command hands it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

KEY_ENV: Final = "KALEYRA_API_KEY"
URL_ENV: Final = "KALEYRA_API_URL"
STATE_ENV: Final = "PROVISIONER_STATE"
RECONCILE_DELAY_ENV: Final = "PROVISIONER_RECONCILE_DELAY"
COMMENT_AUTHOR_ENV: Final = "PROVISIONER_COMMENT_AUTHOR"
RETRY_ENV: Final = {
    "base": "PROVISIONER_RETRY_BASE",
    "cap": "PROVISIONER_RETRY_CAP",
    "attempts": "PROVISIONER_RETRY_ATTEMPTS",
}
ALLOW_ENV: Final = {
    "allow_replace": "PROVISIONER_ALLOW_REPLACE",
    "allow_deletes": "PROVISIONER_ALLOW_DELETES",
    "allow_duplicates": "PROVISIONER_ALLOW_DUPLICATES",
    "allow_drift": "PROVISIONER_ALLOW_DRIFT",
    "force": "PROVISIONER_FORCE",
}
"""The variable behind each override flag (click reads them for the flags)."""


def value(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable's value stripped, or None when it is unset or blank."""
    text = (os.environ if environ is None else environ).get(name, "").strip()
    return text or None


def api_key_secret() -> str | None:
    """KALEYRA_API_KEY, or None when unset or blank."""
    return value(KEY_ENV)


def has_api_key() -> bool:
    """Whether a key is set: refresh is on by default exactly then."""
    return api_key_secret() is not None


def api_url() -> str | None:
    """KALEYRA_API_URL, or None."""
    return value(URL_ENV)


def state_location() -> str | None:
    """PROVISIONER_STATE, or None."""
    return value(STATE_ENV)
