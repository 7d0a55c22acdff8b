"""Draw docs/plan-comment.png: the plan comment as a pull request shows it.

    python scripts/plan_picture.py [OUT.png]

A sample plan (one room replaced, one created, one deleted, a user added) is
rendered by the real markdown renderer, turned into HTML by cmarkgfm (GitHub's
own cmark fork) with GitHub-like styles, and photographed by Debian's headless
Chromium (`apt-get install chromium fonts-noto-color-emoji`: without the font
the plan's symbols are empty boxes). Every section is shown open. Not part of
`make test`; run it again when the markdown plan changes, look at the
picture, and commit it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options

from provisioner.ci.comment import plan_body
from provisioner.model import RoomSpec, room_spec, user_spec
from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.render.markdown import render_markdown
from provisioner.state.document import RoomRecord, State, UserRecord

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "plan-comment.png"
WIDTH, HEIGHT = 940, 1460
TEAM = [{"user_id": "alice", "is_admin": True}, {"user_id": "bob"}]
CLINIC = [{"user_id": "dr-rossi", "is_admin": True}, {"user_id": "frontdesk"}]


def spec(
    name: str, participants: list[dict[str, object]], **fields: object
) -> RoomSpec:
    return room_spec(name, {**fields, "participants": participants})


def recorded(room: RoomSpec, room_id: str) -> RoomRecord:
    urls = {user: "(kept in the state only)" for user in room.participants}
    return RoomRecord(room_id, dict(room.request), room.fingerprint, urls, "2026-03-02")


def sample_plan() -> Plan:
    """What a pull request that edits a few rooms would show."""
    before = {
        "weekly-standup": spec("weekly-standup", TEAM, duration=1800),
        "clinic-room-1": spec("clinic-room-1", CLINIC, recording=True),
        "support-desk-old": spec("support-desk-old", TEAM),
    }
    state = State(lineage="5b2c0e9a-1f7d-4c1e-9a53-0c2f1d7e8b44", serial=12)
    for n, room in enumerate(before.values()):
        state.rooms[room.name] = recorded(room, f"room_{n:03d}a7f3c9e21b")
    for user_id, role in (("alice", "plus"), ("bob", "basic"), ("dr-rossi", "plus")):
        state.users[user_id] = UserRecord(user_id, role, True, None)
    after = {
        "weekly-standup": spec(
            "weekly-standup", TEAM, duration=2700, description="Weekly team stand-up"
        ),
        "clinic-room-1": before["clinic-room-1"],
        "clinic-room-2": spec("clinic-room-2", CLINIC, recording=True),
    }
    users = {
        user_id: user_spec(user_id, {"role": role})
        for user_id, role in (
            ("alice", "plus"),
            ("bob", "basic"),
            ("dr-rossi", "plus"),
            ("carol", "basic"),
        )
    }
    return diff(after, users, state)


def github_alerts(html: str) -> str:
    """GitHub draws `> [!WARNING]` blockquotes as alerts; cmark leaves them quotes."""

    def alert(match: re.Match[str]) -> str:
        kind = match.group(1).lower()
        return f'<div class="alert {kind}"><p class="title">{kind.title()}</p><p>'

    return re.sub(r"<blockquote>\s*<p>\[!(NOTE|WARNING|CAUTION)\]\s*", alert, html)


def page(markdown: str) -> str:
    body = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE
    )
    body = github_alerts(body).replace("</blockquote>", "</div>")
    body = body.replace("<details>", "<details open>")
    return TEMPLATE.replace("{body}", body)


def screenshot(html: str, out: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("needs Chromium: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "comment.html"
        source.write_text(html, encoding="utf-8")
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--screenshot={out}",
            f"--window-size={WIDTH},{HEIGHT}",
        ]
        subprocess.run(
            [chromium, *flags, source.as_uri()], check=True, capture_output=True
        )


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    markdown = plan_body(render_markdown(sample_plan()))
    screenshot(page(markdown), out.resolve())
    print(f"Wrote {out}")


TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 16px; background: #fff; color: #1f2328;
  font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial,
  sans-serif; }
.comment { border: 1px solid #d1d9e0; border-radius: 6px; max-width: 880px; }
.header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
  border-radius: 6px 6px 0 0; color: #59636e; }
.header b { color: #1f2328; }
.bot { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 7px;
  font-size: 12px; margin-left: 4px; }
.markdown { padding: 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em;
  margin: 0 0 16px; font-weight: 600; }
h3 { font-size: 1.25em; margin: 24px 0 16px; font-weight: 600; }
table { border-collapse: collapse; margin-bottom: 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
th { font-weight: 600; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: rgba(129,139,152,.12); border-radius: 6px; padding: .2em .4em;
  font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; }
details { margin-bottom: 8px; }
summary { cursor: pointer; }
ul { padding-left: 2em; margin: 0 0 16px; }
p { margin: 0 0 16px; }
.alert { border-left: .25em solid; padding: 8px 16px; margin-bottom: 16px; }
.alert p { margin: 0 0 4px; }
.alert .title { font-weight: 600; }
.alert.warning { border-color: #9a6700; } .alert.warning .title { color: #9a6700; }
.alert.caution { border-color: #d1242f; } .alert.caution .title { color: #d1242f; }
.alert.note { border-color: #0969da; } .alert.note .title { color: #0969da; }
</style></head><body>
<div class="comment">
<div class="header"><b>github-actions</b><span class="bot">bot</span> commented</div>
<div class="markdown">{body}</div>
</div>
</body></html>
"""

if __name__ == "__main__":
    main()
