"""The documentation stays a map a newcomer can read: a short README that links every page of docs/, lines a
terminal shows whole, and no link to a page or heading that is not there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.stack import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
MAX_README_LINES = 200
MAX_LINE = 120
# [text](target) outside code spans; a target with a scheme leaves the repository and is not checked.
LINK = re.compile(r"(?<!`)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _anchor(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {_anchor(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+)$", text, re.MULTILINE)}


def _links(page: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text()))


def test_the_readme_is_a_landing_page() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; move detail into docs/"
    assert "make up" in README.read_text() and "make test" in README.read_text()
    assert "```mermaid" in README.read_text(), "the flow is drawn as a Mermaid diagram"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_line_is_longer_than_a_terminal(page: Path) -> None:
    # A table row cannot wrap; a table in docs/ may run wider (the configuration's), the README's may not.
    wraps = page == README
    long = [
        n
        for n, line in enumerate(page.read_text().splitlines(), 1)
        if len(line) > MAX_LINE and (wraps or not line.startswith("|"))
    ]
    assert not long, f"{page.name}: lines over {MAX_LINE} characters: {long[:10]}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in _anchors(linked)):
            broken.append(target)
    assert not broken, f"{page.relative_to(REPO_ROOT)}: broken links {broken}"


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    reachable, to_visit = {README.resolve()}, [README]
    while to_visit:
        page = to_visit.pop()
        for target in _links(page):
            path = target.partition("#")[0]
            if not path or re.match(r"^[a-z][a-z0-9+.-]*:", path):
                continue
            linked = (page.parent / path).resolve()
            if linked.suffix == ".md" and linked.exists() and linked not in reachable:
                reachable.add(linked)
                to_visit.append(linked)
    unreachable = sorted(str(p.relative_to(REPO_ROOT)) for p in PAGES if p.resolve() not in reachable)
    assert not unreachable, f"pages no link leads to from README.md: {unreachable}"
