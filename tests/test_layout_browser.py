"""Wide tables in real Chromium: the page width on a desktop, a readable stacked table on a phone, axe-clean at both."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CP1 = "frameworks/acqdemo-cp1-customer-relations/"  # a 4-level framework
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDE_PAGES = {
    "matrix": CP1 + "matrix/",
    "compare": CP1 + "compare/",
    "compare pair": CP1 + "compare/II-vs-III/",
}
# The first table shown on the page, its wrap, and what sits beside it.
MEASURE = """() => {
  const table = [...document.querySelectorAll('article table.rk-matrix, article table.rk-compare')]
    .find(t => t.getClientRects().length);
  const wrap = table.closest('.rk-matrix-wrap');
  const box = e => e.getBoundingClientRect();
  const shown = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const caption = table.querySelector('caption');
  const first = table.querySelector('tbody th, tbody td');
  return {
    table: box(table).width, tableLeft: box(table).left, tableTop: box(table).top,
    content: box(document.querySelector('.md-content__inner')).width,
    wrapScroll: wrap.scrollWidth, wrapClient: wrap.clientWidth,
    pageScroll: document.documentElement.scrollWidth, viewport: window.innerWidth,
    caption: box(caption).width, captionLeft: box(caption).left, captionBottom: box(caption).bottom,
    firstTop: box(first).top,
    nav: shown(document.querySelector('.md-sidebar--primary')),
    toc: shown(document.querySelector('.md-sidebar--secondary')),
  };
}"""


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", list(WIDE_PAGES))
def test_a_wide_table_gets_the_page_width_on_a_desktop(desktop, seed_url, name):
    desktop.goto(seed_url + WIDE_PAGES[name])
    m = desktop.evaluate(MEASURE)
    assert not m["nav"] and not m["toc"], f"a sidebar still takes room beside the table: {m}"
    assert m["table"] >= 1000, f"the table is {m['table']:.0f} px wide at 1280 px: {m}"
    assert m["table"] >= 0.9 * m["content"], m
    assert m["wrapScroll"] <= m["wrapClient"] + 1, f"the 4-level table scrolls sideways: {m}"
    assert m["pageScroll"] <= m["viewport"] + 1, f"the page scrolls sideways: {m}"


def test_pages_without_a_wide_table_keep_their_navigation_on_a_desktop(desktop, seed_url):
    desktop.goto(seed_url + CP1)
    assert desktop.locator(".md-sidebar--primary").is_visible()
    # A quiz's feedback shows a side-by-side diff on a miss; the quiz page keeps its navigation.
    desktop.goto(seed_url + "quizzes/cp3-customer-relations/")
    desktop.evaluate("localStorage.clear()")
    desktop.reload()
    for item, level in (("cp3-01", "I"), ("cp3-02", "I"), ("cp3-03", "III")):
        desktop.locator(f"label[for='rk-q-{item}-{level}']").click()
        desktop.locator(f"#item-{item} .rk-quiz-check").click()
    assert desktop.locator("table.rk-quiz-diff").count() >= 1, "no miss was shown"
    assert desktop.locator(".md-sidebar--primary").is_visible()


@pytest.mark.parametrize("name", list(WIDE_PAGES))
def test_the_caption_spans_the_stacked_table_on_a_phone(phone, seed_url, name):
    phone.goto(seed_url + WIDE_PAGES[name])
    m = phone.evaluate(MEASURE)
    assert m["caption"] >= 0.95 * m["table"], f"the caption is squeezed into a column: {m}"
    assert abs(m["captionLeft"] - m["tableLeft"]) <= 1, m
    assert m["captionBottom"] <= m["firstTop"] + 1, f"the caption is not above the first cell: {m}"
    assert m["pageScroll"] <= m["viewport"] + 1, f"the page scrolls sideways on a phone: {m}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("name", list(WIDE_PAGES))
def test_wide_table_pages_pass_axe_on_a_desktop_and_a_phone(browser, seed_url, name, size):
    context = (
        browser.new_context(viewport=DESKTOP)
        if size == "desktop"
        else browser.new_context(viewport=PHONE, is_mobile=True)
    )
    page = context.new_page()
    page.goto(seed_url + WIDE_PAGES[name])
    results = Axe().run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()
