"""A fake GitHub REST API and a fake GitLab API v4 on 127.0.0.1, for CI tests.

    with FakeForge(page_size=2) as forge:
        forge.github_pulls[7] = {"number": 7, "labels": []}
        env = forge.github_env(event_path)   # GITHUB_API_URL=http://127.0.0.1:PORT
        ...
        assert forge.comments[("github", 7)] == [...]

Only what the pull-request workflow calls: issue comments (Link-header pages),
pulls, commits/{sha}/pulls, merge-request notes (X-Next-Page pages). Pages are
small on purpose, so a test crosses page boundaries with a handful of comments.
Every request is recorded with its headers, so a test can check the token was
sent as the platform expects and nowhere else.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GITHUB_TOKEN = "ghs_faketoken0123456789"
GITLAB_TOKEN = "glpat-faketoken0123456789"
JOB_TOKEN = "glcbt-jobtoken0123456789"
BOT = {"login": "github-actions[bot]", "type": "Bot"}
REPO = "acme/rooms"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeForge:
    page_size: int = 100
    comments: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    github_pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    commit_pulls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    fail_with: int | None = None
    _next_id: int = 1000

    def __enter__(self) -> FakeForge:
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                forge._handle(self)

            do_POST = do_PATCH = do_PUT = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests set up and read ------------------------------------------

    def add_comment(
        self, where: tuple[str, int], body: str, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        comment = {"id": self._next_id, "body": body, "system": False}
        comment["user"] = user or BOT
        comment["author"] = {"username": (user or BOT)["login"]}
        self.comments.setdefault(where, []).append(comment)
        return comment

    def bodies(self, where: tuple[str, int]) -> list[str]:
        return [c["body"] for c in self.comments.get(where, [])]

    def github_env(self, event_path: str, **extra: str) -> dict[str, str]:
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_API_URL": self.url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_TOKEN": GITHUB_TOKEN,
            "GITHUB_EVENT_PATH": event_path,
            **extra,
        }

    def gitlab_env(self, iid: int = 5, **extra: str) -> dict[str, str]:
        return {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": f"{self.url}/api/v4",
            "CI_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_IID": str(iid),
            "GITLAB_TOKEN": GITLAB_TOKEN,
            **extra,
        }

    # --- the server ------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        seen = Seen(
            handler.command,
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in handler.headers.items()},
            json.loads(raw) if raw else None,
        )
        self.requests.append(seen)
        status, body, headers = self._route(seen)
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _route(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if self.fail_with is not None:
            return self.fail_with, {"message": "Resource not accessible"}, {}
        if seen.path.startswith("/api/v4/"):
            return self._gitlab(seen)
        if seen.headers.get("authorization") != f"Bearer {GITHUB_TOKEN}":
            return 401, {"message": "Bad credentials"}, {}
        return self._github(seen)

    def _github(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        prefix = f"/repos/{REPO}"
        path = seen.path.removeprefix(prefix)
        if m := re.fullmatch(r"/issues/(\d+)/comments", path):
            where = ("github", int(m[1]))
            if seen.method == "POST":
                return 201, self.add_comment(where, seen.body["body"]), {}
            return self._github_page(seen, self.comments.get(where, []))
        if m := re.fullmatch(r"/issues/comments/(\d+)", path):
            return self._edit(int(m[1]), seen.body["body"])
        if m := re.fullmatch(r"/pulls/(\d+)", path):
            pull = self.github_pulls.get(int(m[1]))
            return (200, pull, {}) if pull else (404, {"message": "Not Found"}, {})
        if path == "/pulls":
            head = seen.query.get("head", [""])[0]
            found = [
                p for p in self.github_pulls.values() if p.get("head_label") == head
            ]
            return 200, found, {}
        if m := re.fullmatch(r"/commits/(\w+)/pulls", path):
            return 200, self.commit_pulls.get(m[1], []), {}
        return 404, {"message": "Not Found"}, {}

    def _github_page(
        self, seen: Seen, items: list[dict[str, Any]]
    ) -> tuple[int, Any, dict[str, str]]:
        size = min(int(seen.query.get("per_page", ["30"])[0]), self.page_size)
        page = int(seen.query.get("page", ["1"])[0])
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items):
            following = f"{self.url}{seen.path}?per_page={size}&page={page + 1}"
            headers["Link"] = f'<{following}>; rel="next"'
        return 200, chunk, headers

    def _gitlab(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        token = seen.headers.get("private-token") or seen.headers.get("job-token")
        if token not in (GITLAB_TOKEN, JOB_TOKEN):
            return 401, {"message": "401 Unauthorized"}, {}
        m = re.fullmatch(
            r"/api/v4/projects/42/merge_requests/(\d+)/notes(?:/(\d+))?", seen.path
        )
        if not m:
            return 404, {"error": "404 Not Found"}, {}
        where = ("gitlab", int(m[1]))
        if seen.method == "PUT":
            return self._edit(int(m[2]), seen.body["body"])
        if seen.method == "POST":
            user = {"login": "project_42_bot", "type": "User"}
            return 201, self.add_comment(where, seen.body["body"], user), {}
        items = self.comments.get(where, [])
        size = min(int(seen.query.get("per_page", ["20"])[0]), self.page_size)
        page = int(seen.query.get("page", ["1"])[0])
        more = page * size < len(items)
        headers = {"X-Next-Page": str(page + 1) if more else ""}
        return 200, items[(page - 1) * size : page * size], headers

    def _edit(self, comment_id: int, body: str) -> tuple[int, Any, dict[str, str]]:
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == comment_id:
                    comment["body"] = body
                    return 200, comment, {}
        return 404, {"message": "Not Found"}, {}
