"""The HTTP seam shared by the GitHub and GitLab clients.

One synchronous httpx client per run, the token in a header and nowhere else:
errors name the method, the path (without the query) and the status, and the
text of a refusal is scrubbed of the token before it is shown. Pages are only
followed on the API's own origin, so a forged `Link` header cannot send the
token to another host. The transport is injectable for tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

import httpx

from provisioner.errors import ForgeError

TIMEOUT: Final = 30.0
MAX_PAGES: Final = 100  # 10,000 comments at 100 a page: far past any review
_DETAIL_CHARS: Final = 200


class Forge:
    """JSON requests to one forge's API, authenticated by one header."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        secret: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = secret
        self._client = httpx.Client(
            headers=dict(headers), timeout=TIMEOUT, transport=transport
        )

    def __enter__(self) -> Forge:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"Forge({self.base_url!r}, token=***)"

    def call(
        self, method: str, path: str, *, json: Any = None, params: Any = None
    ) -> Any:
        """One request to `path` (relative to the API's base URL); its JSON."""
        url = self.base_url + path
        return _body(self._send(method, url, json=json, params=params))

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        """Every page of a listing, following `Link: next` or `X-Next-Page`."""
        url = self.base_url + path
        query: dict[str, Any] | None = dict(params)
        for _ in range(MAX_PAGES):
            response = self._send("GET", url, params=query)
            yield _body(response)
            following = self._next_url(response)
            next_page = response.headers.get("x-next-page", "").strip()
            if following is not None:
                url, query = following, None  # the link carries its own query
            elif next_page.isdigit() and query is not None:
                query["page"] = int(next_page)
            else:
                return

    def _next_url(self, response: httpx.Response) -> str | None:
        url = response.links.get("next", {}).get("url")
        if url is None:
            return None
        origin = httpx.URL(self.base_url)
        target = httpx.URL(url)
        if (target.scheme, target.host, target.port) != (
            origin.scheme,
            origin.host,
            origin.port,
        ):
            raise ForgeError(f"GET {_shown(response.request.url)}: next page elsewhere")
        return url

    def _send(
        self, method: str, url: str, *, json: Any = None, params: Any = None
    ) -> httpx.Response:
        where = f"{method} {_shown(httpx.URL(url))}"
        try:
            response = self._client.request(method, url, json=json, params=params)
        except httpx.HTTPError as exc:
            reason = self._scrub(str(exc) or type(exc).__name__)
            raise ForgeError(f"{where}: {reason}") from None
        if response.is_success:
            return response
        detail = self._scrub(_refusal(response))
        raise ForgeError(f"{where}: HTTP {response.status_code}{detail}")

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


def _shown(url: httpx.URL) -> str:
    return url.path


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        where = f"{response.request.method} {_shown(response.request.url)}"
        raise ForgeError(f"{where}: the answer is not JSON") from None


def _refusal(response: httpx.Response) -> str:
    # GitHub says {"message": ...}, GitLab {"message": ...} or {"error": ...}.
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    message = body.get("message") or body.get("error")
    if not message:
        return ""
    text = " ".join(str(message).split())[:_DETAIL_CHARS]
    return f" ({text})"
