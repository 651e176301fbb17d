"""The page generator without MkDocs: golden snapshots, word diffs, links, escaping, navigation."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import markdown as pymarkdown
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from raterkit.compare import changed_share, word_diff
from raterkit.load import Catalog, load_catalog, load_framework
from raterkit.site import frameworkpages, quizpages
from raterkit.site.compose import build_site, insert_nav
from raterkit.site.frameworkpages import NAV_LIMIT, nav
from raterkit.site.html import href, md, url_of, yaml_str
from raterkit.site.page import Glossary, SiteSettings
from support import FRAMEWORKS, update_golden

GOLDEN = Path(__file__).parent / "golden" / "pages"
FIXTURE = Path(__file__).parent / "fixtures" / "odd-shape.yaml"


def _snapshot_pages():
    """The odd-shape fixture's pages and two seed pages (a matrix and the plan element)."""
    catalog, problems = load_catalog([FRAMEWORKS, FIXTURE])
    assert problems == []
    pages, _ = build_site(catalog, SiteSettings(office="Trade Compliance Center"))
    keep = (
        "frameworks/odd-shape-test/",
        "frameworks/acqdemo-cp1-customer-relations/matrix.md",
        "frameworks/ita-customer-service-element/index.md",
    )
    return [p for p in pages if p.path.startswith(keep)]


SNAPSHOTS = _snapshot_pages()


@pytest.mark.parametrize("page", SNAPSHOTS, ids=[p.path for p in SNAPSHOTS])
def test_generated_page_matches_its_golden_snapshot(page):
    golden = GOLDEN / page.path
    if update_golden():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(page.markdown, encoding="utf-8")
    assert page.markdown == golden.read_text(encoding="utf-8")


def test_no_golden_snapshot_is_left_over():
    expected = {p.path for p in SNAPSHOTS}
    on_disk = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.md")}
    assert on_disk == expected


def test_the_office_setting_fills_the_plan_element_page():
    page = next(p for p in SNAPSHOTS if p.path == "frameworks/ita-customer-service-element/index.md")
    assert "comply with Trade Compliance Center standards" in page.markdown
    assert "at least 3 and at most 6" in page.markdown


def test_diff_marks_only_the_words_that_change():
    segs = word_diff(
        "Interacts with customers on routine issues.", "Interacts independently with customers on complex issues."
    )
    assert [(s.op, s.text.strip()) for s in segs if s.op != "same"] == [
        ("added", "independently"),
        ("removed", "routine"),
        ("added", "complex"),
    ]
    assert changed_share(word_diff("a b c", "a b c")) == 0.0
    assert changed_share(word_diff("a b", "c d")) == 1.0


words = st.lists(
    st.sampled_from(["customer", "needs", "meets", "routine", "guides", "team", "Level", "the", "a"]), max_size=12
)


@settings(max_examples=200, deadline=None)
@given(words, words)
def test_diff_gives_back_both_texts(a, b):
    old, new = " ".join(a), " ".join(b)
    segs = word_diff(old, new)
    assert "".join(s.text for s in segs if s.op != "removed").split() == new.split()
    assert "".join(s.text for s in segs if s.op != "added").lower().split() == old.lower().split()


def test_links_between_generated_pages_follow_mkdocs_urls():
    assert url_of("frameworks/x/index.md") == "frameworks/x/"
    assert url_of("frameworks/x/matrix.md") == "frameworks/x/matrix/"
    assert url_of("frameworks/x/matrix.md", directory_urls=False) == "frameworks/x/matrix.html"
    assert href("frameworks/x/levels/I.md", "frameworks/x/matrix.md", "s-1") == "../../matrix/#s-1"
    assert href("frameworks/x/index.md", "frameworks/x/matrix.md") == "matrix/"
    assert href("frameworks/x/matrix.md", "frameworks/x/matrix.md", "a") == "#a"
    assert href("frameworks/x/levels/I.md", "frameworks/x/matrix.md", directory_urls=False) == "../matrix.html"


def test_markdown_syntax_in_titles_is_disarmed():
    # ':' is not a Markdown escape: a backslash before it would show on the page (see below).
    assert md("[x](javascript:alert(1))") == r"\[x\]\(javascript:alert\(1\)\)"
    assert md("<b>") == "&lt;b&gt;"


def test_a_heading_shows_its_text_as_written():
    """Only characters Markdown unescapes get a backslash, and no character reference is split
    (the quiz heading showed 'Career Path 1)\\: rating practice'; the crosswalk's table of
    contents showed 'customers&#x27; problems' after '&\\#x27;' in the heading)."""
    markdown = pymarkdown.Markdown(extensions=["toc", "attr_list", "md_in_html", "abbr"])
    for text in [
        "Customer Relations (Career Path 1): rating practice",
        "Solving customers' problems",
        'A & B < C > D "quoted" | ~ ^ = #1 *x* _y_ `z` {: .c} [l](u) \\ !',
    ]:
        html = markdown.reset().convert(f"## {md(text)}")
        heading = re.fullmatch(r'<h2 id="[^"]*">(.*)</h2>', html)
        assert heading, html
        assert htmllib.unescape(heading.group(1)) == text
        assert htmllib.unescape(markdown.toc_tokens[0]["name"]) == text


def test_glossary_terms_are_found_in_the_text_before_it_is_escaped():
    glossary = Glossary({"quot": "A quotation.", "amp": "An amplifier.", "lt": "A <b>lieutenant</b>."})
    marked = glossary.mark('He said "quot" & the amp < lt.', set())
    assert marked.count("<abbr") == 3
    assert marked == (
        'He said &quot;<abbr title="A quotation." tabindex="0">quot</abbr>&quot; &amp; the '
        '<abbr title="An amplifier." tabindex="0">amp</abbr> &lt; '
        # Material's tooltip inserts the title as HTML: it must read "&lt;b&gt;" there, so the
        # attribute holds it escaped once more.
        '<abbr title="A &amp;lt;b&amp;gt;lieutenant&amp;lt;/b&amp;gt;." tabindex="0">lt</abbr>.'
    )
    # Entities that spell a term are left whole; each term is explained once per page.
    seen: set[str] = set()
    assert glossary.mark('"&<', seen) == "&quot;&amp;&lt;"
    assert glossary.mark("amp and amp", seen).count("<abbr") == 1
    assert glossary.mark("amp again", seen) == "amp again"


def test_many_frameworks_are_listed_on_the_index_page_not_in_the_navigation():
    fw, problems = load_framework(FIXTURE)
    assert not problems
    many = Catalog(frameworks={f"f{i}": fw.model_copy(update={"id": f"f{i}"}) for i in range(NAV_LIMIT + 1)})
    assert nav(many)["raterkit:frameworks"] == [{"All frameworks": "frameworks/index.md"}]
    few = Catalog(frameworks={"f0": fw})
    assert len(nav(few)["raterkit:frameworks"]) == 2


def test_without_a_nav_in_mkdocs_yml_every_generated_section_gets_a_plain_title(catalog):
    site_nav = {**frameworkpages.nav(catalog), **quizpages.nav(catalog)}
    titles = [next(iter(entry)) for entry in insert_nav(None, site_nav)]
    assert titles == ["Home", "Frameworks", "Quizzes", "Across frameworks", "Glossary"]


def test_front_matter_titles_stay_one_quoted_line_whatever_they_hold():
    for title in ['a "b" \\ c', "x\n---\nhide: [toc]\n", "\x1f\x85\u2028\t\ufffe bell\x07"]:
        line = yaml_str(title)
        assert "\n" not in line and "\u2028" not in line
        assert yaml.safe_load(f"title: {line}") == {"title": title}


def test_a_line_break_in_a_title_does_not_end_its_heading():
    assert md("Speed\n---\n{: onclick=x }") == r"Speed \-\-\- \{: onclick=x \}"
