"""The site in real headless Chromium (Debian's), served on 127.0.0.1: what staff and raters do."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

CP1 = "frameworks/acqdemo-cp1-customer-relations/"
PAGE_TYPES = {
    "home": "",
    "frameworks list": "frameworks/",
    "overview": CP1,
    "matrix": CP1 + "matrix/",
    "level": CP1 + "levels/III/",
    "compare": CP1 + "compare/",
    "compare pair": CP1 + "compare/II-vs-III/",
    "across frameworks": "across/customer-relations/",
    "crosswalk": "across/crosswalk/",
    "glossary": "glossary/",
    "plan element": "frameworks/ita-customer-service-element/",
    "behaviour anchors matrix": "frameworks/frontline-customer-service/matrix/",
    "notebooks": "notebooks/",
    "notebook": "notebooks/trainer-workshop/",
    "trainers: workshop": "workshops/",
    "trainers: response files": "responses/",
    "trainers: rating science": "rating-science/",
    "about: how raterkit is built": "stack/",
    "about: files you did not write": "security/",
}


def _axe_violations(page) -> tuple[int, str]:
    results = Axe().run(page)
    return results.violations_count, results.generate_report()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_every_page_type_passes_axe(browser, seed_url, name, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(seed_url + PAGE_TYPES[name])
    expected = "slate" if scheme == "dark" else "default"
    assert page.locator("body").get_attribute("data-md-color-scheme") == expected
    count, report = _axe_violations(page)
    context.close()
    assert count == 0, report


def _search(page, base: str, phrase: str) -> list[str]:
    page.goto(base)
    page.locator("input.md-search__input").click()
    page.keyboard.type(phrase, delay=10)
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    links = page.locator(".md-search-result__item > .md-search-result__link")

    def top3():
        return [links.nth(i).get_attribute("href") for i in range(min(3, links.count()))]

    # Results update as each key is typed: wait until they reflect the whole phrase and settle.
    last_word = re.findall(r"\w+", phrase)[-1].lower()
    seen = []
    for _ in range(50):
        current = top3()
        if current and current == seen and all(last_word in h.lower() for h in current if "?h=" in h):
            return current
        seen = current
        page.wait_for_timeout(200)
    return seen


def _page_text(page, url: str) -> str:
    page.goto(url)
    return re.sub(r"\s+", " ", page.locator("article").inner_text())


@pytest.mark.parametrize(
    "phrase, statement_start",
    [
        ("16 business hours", "Routinely responds to inquiries"),
        ("customer alliances", "Establishes customer alliances"),
        ("begrudgingly", "Fails to provide or begrudgingly provides"),
        ("fire-ready-aim", "May be a fire-ready-aim type."),
        ("promulgate political", "Works to assess and promulgate"),
        ("automated notification e-mail", "If on approved absence"),
        ("defuse even high-tension", "Able to defuse even high-tension situations"),
        ("non-routine problems", "Works independently with customers at all levels"),
    ],
)
def test_searching_a_distinctive_phrase_lists_its_statement_in_the_first_three_results(
    page, seed_url, phrase, statement_start
):
    hrefs = _search(page, seed_url, phrase)
    assert hrefs, f"no results for {phrase!r}"
    found = [h for h in hrefs if statement_start in _page_text(page, h)]
    assert found, f"{phrase!r}: none of {hrefs} holds the statement"


def test_compare_picker_switches_the_pair_in_place_without_reloading(page, seed_url):
    page.goto(seed_url + CP1 + "compare/")
    page.evaluate("window.__stillHere = true")
    visible = page.locator(".rk-pair:not([hidden])")
    assert visible.count() == 1 and visible.get_attribute("id") == "pair-I-vs-II"
    page.select_option("#rk-from", "II")
    page.select_option("#rk-to", "IV")
    assert page.locator(".rk-pair:not([hidden])").get_attribute("id") == "pair-II-vs-IV"
    assert page.evaluate("window.__stillHere") is True, "the page reloaded"
    assert page.url.endswith("#pair-II-vs-IV")
    section = page.locator("#pair-II-vs-IV")
    assert section.locator("del").count() > 0 and section.locator("ins").count() > 0
    assert "Showing Level II and Level IV" in page.locator(".rk-compare-status").inner_text()
    page.select_option("#rk-to", "II")
    assert "two different levels" in page.locator(".rk-compare-status").inner_text()


def test_a_linked_pair_opens_with_that_pair_selected(page, seed_url):
    page.goto(seed_url + CP1 + "compare/#pair-IV-vs-I")
    assert page.locator("#rk-from").input_value() == "IV"
    assert page.locator("#rk-to").input_value() == "I"
    assert page.locator(".rk-pair:not([hidden])").get_attribute("id") == "pair-IV-vs-I"


def test_compare_picker_works_with_the_keyboard_alone(page, seed_url):
    page.goto(seed_url + CP1 + "compare/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "rk-from":
            break
    else:
        pytest.fail("Tab never reached the first level picker")
    page.keyboard.press("ArrowDown")  # Level I -> Level II
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rk-to"
    page.keyboard.press("ArrowDown")  # Level II -> Level III
    assert page.locator(".rk-pair:not([hidden])").get_attribute("id") == "pair-II-vs-III"


def test_keyboard_users_can_skip_to_content_and_reach_a_statement_permalink(page, seed_url):
    page.goto(seed_url + CP1 + "matrix/")
    page.keyboard.press("Tab")
    assert "skip" in page.evaluate("document.activeElement.textContent").lower()
    page.keyboard.press("Enter")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('rk-permalink')"):
            break
    else:
        pytest.fail("no statement permalink reachable by Tab")
    page.keyboard.press("Enter")
    assert re.search(r"#s-acqdemo-cp1-customer-relations--customer-relations--I--", page.url)


def test_glossary_terms_show_their_definition_on_focus(page, seed_url):
    page.goto(seed_url + CP1)
    term = page.locator("article abbr[title]").first
    assert term.count() == 1
    assert term.get_attribute("tabindex") == "0"
    assert len(term.get_attribute("title")) > 20


def test_matrix_stacks_by_level_on_a_phone(browser, seed_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(seed_url + CP1 + "matrix/")
    cell = page.locator("table.rk-matrix td").first
    assert cell.evaluate("e => getComputedStyle(e).display") == "block"
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"Level I"'
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390 + 1, "the page scrolls sideways on a phone"


def test_print_hides_navigation_and_puts_the_matrix_on_landscape_pages(page, seed_url):
    page.goto(seed_url + CP1 + "matrix/")
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible()
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert page.locator(".rk-matrix-wrap").first.evaluate("e => getComputedStyle(e).page") == "rk-landscape"
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")


def test_a_new_framework_shape_appears_in_navigation_matrix_compare_and_search(page, odd_url):
    page.goto(odd_url + "frameworks/")
    assert page.locator("nav.md-nav--primary a[href*='odd-shape-test']").count() > 0
    page.goto(odd_url + "frameworks/odd-shape-test/matrix/")
    assert page.locator("table.rk-matrix thead th").count() == 6
    assert page.locator("table.rk-matrix td .rk-empty").count() == 6
    page.goto(odd_url + "frameworks/odd-shape-test/compare/")
    page.select_option("#rk-from", "L1")
    page.select_option("#rk-to", "L3")
    assert (
        "reminders" in page.locator("#pair-L1-vs-L3 ins").all_inner_texts()[0]
        or page.locator("#pair-L1-vs-L3 ins").count() > 0
    )
    hrefs = _search(page, odd_url, "quokka protocol")
    assert any("odd-shape-test" in h for h in hrefs)


def test_script_injection_in_framework_text_shows_as_text_and_runs_nothing(page, odd_url):
    messages = []
    page.on("dialog", lambda d: (messages.append(d.message), d.dismiss()))
    for path in (
        "frameworks/odd-shape-test/",
        "frameworks/odd-shape-test/matrix/",
        "frameworks/odd-shape-test/levels/L3/",
        "frameworks/odd-shape-test/compare/L3-vs-L5/",
        "frameworks/",
    ):
        page.goto(odd_url + path)
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
    page.goto(odd_url + "frameworks/odd-shape-test/matrix/")
    text = page.locator("article").inner_text()
    assert "<script>window.__pwned = 'statement'</script>" in text
    assert "[Open the manual](javascript:window.__pwned='link')" in text
    assert page.locator("article a[href^='javascript:']").count() == 0
    page.goto(odd_url + "frameworks/odd-shape-test/")
    assert "<img src=x onerror=\"window.__pwned='definition'\">" in page.locator("article").inner_text()
    assert page.locator("article img").count() == 0
    assert messages == []


def test_a_malformed_pair_link_opens_the_first_pair_and_the_picker_works(page, seed_url):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(seed_url + CP1 + "compare/#pair-%E0%A4-vs-I")
    assert page.locator(".rk-pair:not([hidden])").get_attribute("id") == "pair-I-vs-II"
    page.select_option("#rk-from", "II")
    page.select_option("#rk-to", "IV")
    assert page.locator(".rk-pair:not([hidden])").get_attribute("id") == "pair-II-vs-IV"
    assert errors == []
