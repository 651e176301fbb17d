"""The page generator without MkDocs: golden snapshots, word diffs, links, escaping, navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raterkit.compare import changed_share, word_diff
from raterkit.load import Catalog, load_catalog, load_framework
from raterkit.site.html import href, md, url_of
from raterkit.site.pages import NAV_LIMIT, SiteSettings, generate, nav
from support import FRAMEWORKS, update_golden

GOLDEN = Path(__file__).parent / "golden" / "pages"
FIXTURE = Path(__file__).parent / "fixtures" / "odd-shape.yaml"


def _snapshot_pages():
    """The odd-shape fixture's pages and two seed pages (a matrix and the plan element)."""
    catalog, problems = load_catalog([FRAMEWORKS, FIXTURE])
    assert problems == []
    pages = generate(catalog, SiteSettings(office="Trade Compliance Center"))
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
    assert md("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    assert md("<b>") == "&lt;b&gt;"


def test_many_frameworks_are_listed_on_the_index_page_not_in_the_navigation():
    fw, problems = load_framework(FIXTURE)
    assert not problems
    many = Catalog(frameworks={f"f{i}": fw.model_copy(update={"id": f"f{i}"}) for i in range(NAV_LIMIT + 1)})
    assert nav(many)["raterkit:frameworks"] == [{"All frameworks": "frameworks/index.md"}]
    few = Catalog(frameworks={"f0": fw})
    assert len(nav(few)["raterkit:frameworks"]) == 2


def test_without_a_nav_in_mkdocs_yml_every_generated_section_gets_a_plain_title(catalog):
    from raterkit.site.pages import nav as site_nav
    from raterkit.site.plugin import _insert_nav

    titles = [next(iter(entry)) for entry in _insert_nav(None, site_nav(catalog))]
    assert titles == ["Home", "Frameworks", "Quizzes", "Across frameworks", "Glossary"]
