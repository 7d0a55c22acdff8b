"""The markdown plan as GitHub renders it (cmarkgfm, GitHub's cmark fork), at scale.

5,000 changed rooms, with descriptions full of markdown and HTML: the comment
stays within the 60,000-character budget, every table keeps its columns,
every `<details>` closes where it opened, and no join URL or key shows up,
not even as a link GitHub would make on its own.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from plan_builders import URL_PREFIX, by_name, room, state, url
from render_cases import TRICKY

from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.render.markdown import LIMIT, render_markdown

ROOMS = 5_000
API_KEY = "ak_live_9f8e7d6c5b4a39281706f5e4"
PEOPLE = [f"user-{i:02d}" for i in range(25)]


def five_thousand_changes() -> Plan:
    """2,000 replaced, 1,500 deleted, 1,500 created rooms, hostile text throughout."""
    old = [
        room(f"room-{i:05d}", PEOPLE, description=f"old {i}", duration=1800)
        for i in range(3_500)
    ]
    kept = [
        room(f"room-{i:05d}", PEOPLE, description=f"{TRICKY} {i}", duration=2400)
        for i in range(2_000)
    ]
    new = [
        room(f"new-{i:05d}", PEOPLE, description=f"new {i} {TRICKY}")
        for i in range(1_500)
    ]
    return diff(by_name(*kept, *new), {}, state(old))


@pytest.fixture(scope="module")
def markdown() -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KALEYRA_API_KEY", API_KEY)  # were anything to read it
        plan = five_thousand_changes()
        text = render_markdown(plan)
    summary = plan.summary()
    assert (summary.create, summary.replace, summary.delete) == (1_500, 2_000, 1_500)
    return text


@pytest.fixture(scope="module")
def html(markdown: str) -> str:
    # GitHub keeps <details> and <summary>: render raw HTML as it does.
    options = Options.CMARK_OPT_UNSAFE
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=options)


class Structure(HTMLParser):
    """Nesting of <details>/<summary>, and the cells of each table row."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []
        self.tables: list[list[int]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("details", "summary", "table"):
            self.open.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append(0)
        elif tag in ("td", "th"):
            self.tables[-1][-1] += 1
        elif tag in ("a", "img"):
            self.links.append(str(dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("details", "summary", "table"):
            if not self.open or self.open[-1] != tag:
                self.errors.append(f"</{tag}> closes {self.open[-1:]}")
            else:
                self.open.pop()


def test_the_comment_fits_the_budget(markdown: str) -> None:
    assert len(markdown) <= LIMIT
    assert markdown.startswith(
        "## Plan: 1500 to create, 2000 to replace, 1500 to delete, 0 unchanged."
    )


def test_details_and_tables_are_balanced_once_rendered(html: str) -> None:
    structure = Structure()
    structure.feed(html)
    structure.close()
    assert structure.errors == []
    assert structure.open == []
    assert html.count("<details>") == html.count("</details>") > 10
    assert structure.tables
    for rows in structure.tables:
        assert len(set(rows)) == 1, rows  # every row as wide as the header


def test_every_table_row_has_the_header_s_columns(markdown: str) -> None:
    # GFM silently drops cells past the header's count: check the source too.
    for table in re.findall(r"(?:^\|.*\|\n)+", markdown, re.M):
        rows = table.splitlines()
        widths = {row.count("|") for row in rows}
        assert len(widths) == 1, rows[:3]


def test_no_url_and_no_key_appear(markdown: str, html: str) -> None:
    for text in (markdown, html):
        assert "http://" not in text and "https://" not in text
        assert URL_PREFIX not in text and API_KEY not in text
        assert url("room-00001", "user-01") not in text
    structure = Structure()
    structure.feed(html)
    assert structure.links == []  # no link, not even one GitHub made itself
