"""Headings as a reader sees them in Chromium: a title's text exactly as written, in the page
and in its table of contents (no stray backslash, no character reference shown as text)."""

from __future__ import annotations

import re

import pytest

from raterkit.site.quizpages import quiz_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOWN_ESCAPES = re.compile(r"\\|&#x27;|&#39;|&amp;|&quot;|&lt;|&gt;")


def _text(s: str) -> str:
    return " ".join(s.replace("¶", " ").split())


def test_a_quiz_page_heading_shows_its_title_without_a_backslash(page, seed_url, catalog):
    for quiz in catalog.quizzes.values():
        page.goto(seed_url + quiz_path(quiz)[: -len(".md")] + "/")
        heading = _text(page.locator(".md-content h1").first.inner_text())
        assert heading == quiz.title, quiz.id
        assert not SHOWN_ESCAPES.search(heading), heading
    page.goto(seed_url + "quizzes/cp1-customer-relations/")
    assert (
        _text(page.locator(".md-content h1").first.inner_text())
        == "Customer Relations (Career Path 1): rating practice"
    )


def test_the_crosswalk_table_of_contents_shows_each_theme_as_written(page, seed_url, catalog):
    page.goto(seed_url + "across/crosswalk/")
    toc = page.locator(".md-sidebar--secondary .md-nav--secondary")
    assert toc.is_visible()
    entries = [_text(t) for t in toc.locator("a.md-nav__link").all_inner_texts()]
    assert "Solving customers' problems" in entries
    assert [t.title for t in catalog.crosswalk.themes] == entries
    for entry in entries:
        assert not SHOWN_ESCAPES.search(entry), entry
    # The heading itself, and its anchor, read the same way.
    heading = page.locator(".md-content h2", has_text="Solving customers")
    assert _text(heading.inner_text()) == "Solving customers' problems"
    assert heading.get_attribute("id") == "solving-customers-problems"
