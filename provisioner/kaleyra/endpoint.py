"""Where the API lives and how we authenticate: the base URL and the API key."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from provisioner import environment as env
from provisioner.environment import URL_ENV
from provisioner.errors import ProvisionerError
from provisioner.rules import ENVIRONMENTS, REGIONS, SANDBOX_REGIONS

_LOOPBACK_NAMES = ("localhost",)


class ApiKey:
    """The API key, held so that printing or logging it shows only ``***``."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        # A header carries printable ASCII only; say so without echoing the key.
        if not secret or not all(" " < char < "\x7f" for char in secret):
            raise ProvisionerError(
                "the API key is empty or has characters a header cannot carry"
            )
        self._secret = secret

    def reveal(self) -> str:
        """The secret itself: only for the request header."""
        return self._secret

    @classmethod
    def from_env(cls) -> ApiKey | None:
        """The key from ``KALEYRA_API_KEY``; None when unset or empty."""
        secret = env.api_key_secret()
        return cls(secret) if secret else None

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __copy__(self) -> ApiKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> ApiKey:
        return self

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickling would write the secret somewhere we do not control.
        raise TypeError("ApiKey cannot be pickled")


def base_url_for(
    environment: str = "sandbox", region: str = "eu", url: str | None = None
) -> str:
    """The API base URL, without a trailing slash.

    ``KALEYRA_API_URL`` overrides everything, then ``url``, then
    ``https://api.{environment}.{region}.bandyer.com`` (the environment part is
    dropped for production; sandbox exists only in ``eu``). HTTPS is required
    except for loopback hosts (127.0.0.0/8, localhost, ::1).
    """
    from_env = env.api_url()
    if from_env:
        return _checked(from_env, source=URL_ENV)
    if url:
        return _checked(url, source="api.url")
    return _checked(_official_url(environment, region), source="api settings")


def checked_url(url: str, *, source: str) -> str:
    """`url` as a base URL, or a ProvisionerError naming `source` and the fault."""
    return _checked(url, source=source)


def _official_url(environment: str, region: str) -> str:
    if environment not in ENVIRONMENTS:
        raise ProvisionerError(
            f"api.environment: expected one of {', '.join(ENVIRONMENTS)}, "
            f"got {environment!r}"
        )
    if region not in REGIONS:
        raise ProvisionerError(
            f"api.region: expected one of {', '.join(REGIONS)}, got {region!r}"
        )
    if environment == "sandbox":
        if region not in SANDBOX_REGIONS:
            raise ProvisionerError(
                f"api.region: the sandbox exists only in "
                f"{', '.join(SANDBOX_REGIONS)}, got {region!r}"
            )
        return f"https://api.sandbox.{region}.bandyer.com"
    return f"https://api.{region}.bandyer.com"


def _checked(url: str, *, source: str) -> str:
    """The URL without trailing slash, refusing what would leak or mislead."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ProvisionerError(f"{source}: not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ProvisionerError(f"{source}: expected an http(s) URL with a host")
    if parts.username or parts.password:
        raise ProvisionerError(f"{source}: credentials do not belong in the URL")
    if parts.query or parts.fragment:
        raise ProvisionerError(f"{source}: the URL must not have a query or fragment")
    if parts.scheme == "http" and not is_loopback(host):
        raise ProvisionerError(
            f"{source}: plain http is allowed only for loopback hosts; use https"
        )
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
