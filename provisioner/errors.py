"""Every error the provisioner raises on purpose.

    ProvisionerError            cli.py turns it into one line on stderr and exit 1
    ├── ConfigError             one or more Problems (file:line:col: message)
    ├── StateError              corrupt or unreadable state, unknown version
    │   ├── StateLockedError    another live process holds the lock (names it)
    │   └── StalePlanError      a saved plan no longer matches the state
    ├── PlanFileError           a saved plan cannot be read or written
    ├── UnsafePlanError         thresholds, prevent_destroy, running rooms
    ├── ReconcileError          a pending create matched several rooms: a human decides
    ├── OperationInterrupted    an in-flight operation cancelled after the stop grace
    └── ApiError                .method .path .status .code; never the key, never a URL
        ├── AuthError           401/403, or a 400 naming the key (invalid_api_key)
        ├── NotFoundError       the API's own error names the room or user asked for
        ├── WrongAddressError   a 404 not from the API naming the thing: check api.url
        ├── ValidationError     422 / 400 business rules: the request itself is wrong
        ├── RateLimitedError    still 429 when the time budget ran out
        ├── ServerError         5xx after the retries ran out
        ├── ConnectionFailed    no answer after the retries ran out
        └── OutcomeUnknownError a create may or may not have made a room

Foreign exceptions are caught in the one module that uses that library and
re-raised as one of these, so a traceback never reaches a user.
"""

from __future__ import annotations

from dataclasses import dataclass


class ProvisionerError(Exception):
    """An error we raise on purpose: shown as one line, exit code 1."""


@dataclass(frozen=True, order=True)
class Problem:
    """One config problem, pointing at the offending YAML node (1-based line/col)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class ConfigError(ProvisionerError):
    """The room files or provisioner.yaml are invalid; carries every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StateError(ProvisionerError):
    """The state cannot be read, written or trusted."""


class StateLockedError(StateError):
    """Another live process holds the state lock."""


class StalePlanError(StateError):
    """A saved plan was made against a state that has moved since."""


class PlanFileError(ProvisionerError):
    """A saved plan cannot be read or written."""


class UnsafePlanError(ProvisionerError):
    """The plan would destroy more than the safety rules allow."""


class ReconcileError(ProvisionerError):
    """A pending create cannot be resolved automatically."""


class OperationInterrupted(ProvisionerError):
    """An in-flight operation cancelled after the stop grace period."""


class ApiError(ProvisionerError):
    """The Kaleyra API refused or failed a request.

    Holds the HTTP method, the path (never with a token in it), the status and
    the API's error code. Never the API key, never a join URL.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        where = f"{method} {path}".strip()
        detail = ", ".join(
            part
            for part in (
                f"HTTP {status}" if status is not None else "",
                code or "",
            )
            if part
        )
        text = f"{where}: {message}" if where else message
        super().__init__(f"{text} ({detail})" if detail else text)


class AuthError(ApiError):
    """The API key is missing or wrong."""


class NotFoundError(ApiError):
    """The room or user does not exist."""


class WrongAddressError(ApiError):
    """The base URL does not answer as the Kaleyra API (a proxy, a doubled /rest).

    Never read as "gone": a room is gone only when the API itself says so.
    """


class ValidationError(ApiError):
    """The API rejected the request body (422, or a 400 business rule)."""


class RateLimitedError(ApiError):
    """Still rate limited when the operation's time budget ran out."""


class ServerError(ApiError):
    """A 5xx answer after every retry."""


class ConnectionFailed(ApiError):
    """No answer from the API after every retry."""


class OutcomeUnknownError(ApiError):
    """A create reached the server but its answer was lost: a room may exist."""
