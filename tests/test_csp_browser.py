"""The Content-Security-Policy in real Chromium: Material (navigation, palette, instant navigation),
search and the quiz work under it with no violation, and an injected inline handler, inline
script or ``javascript:`` link runs nothing."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from support import copy_project, mkdocs_build, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUIZ_URL = "quizzes/cp3-customer-relations/"


def _watch(page) -> list[str]:
    """Console messages about the policy."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def _until(page, expression: str, seconds: float = 30) -> None:
    """Wait for ``expression`` to be true (Playwright's wait_for_function evaluates strings, which
    the policy forbids)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    pytest.fail(f"never true: {expression}")


def test_every_built_page_carries_the_policy_and_allows_exactly_its_theme_scripts(seed_site):
    pages = sorted(seed_site.rglob("*.html"))
    assert len(pages) > 50
    for path in pages:
        html = path.read_text(encoding="utf-8")
        m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
        assert m, path
        csp = m.group(1)
        assert "'unsafe-inline'" not in csp.split("script-src ")[1].split(";")[0], path
        assert "script-src-attr 'none'" in csp
        assert html.index("Content-Security-Policy") < html.index("<script"), path
        for script in re.findall(r"<script>(.*?)</script>", html, re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
            assert f"'sha256-{digest}'" in csp, (path, script[:60])


def test_material_search_and_navigation_work_under_the_policy(page, seed_url):
    violations = _watch(page)
    page.goto(seed_url)
    assert page.evaluate("typeof __md_get") == "function"  # the theme's first inline script ran
    # palette toggle (an inline script reads it on each page)
    before = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    _until(page, f"document.body.getAttribute('data-md-color-scheme') !== '{before}'")
    # pages of other depths
    page.locator(".md-tabs a", has_text="Quizzes").first.click()
    page.wait_for_url("**/quizzes/")
    page.locator(".md-content a[href$='quizzes/cp3-customer-relations/']").first.click()
    page.wait_for_url("**/quizzes/cp3-customer-relations/")
    # search (a web worker loading the search index)
    page.goto(seed_url + "frameworks/")
    page.locator("input.md-search__input").click()
    found = "/matching document/.test(document.querySelector('.md-search-result__meta').textContent)"
    for _ in range(45):  # typed again until the index, loaded in a worker, answers
        page.locator("input.md-search__input").fill("")
        page.locator("input.md-search__input").type("customer")
        page.wait_for_timeout(1000)
        if page.evaluate(found):
            break
    assert page.evaluate(found), page.locator(".md-search-result__meta").inner_text()
    page.wait_for_selector(".md-search-result__item", state="attached")
    assert violations == [], "\n".join(violations)


def test_the_quiz_works_under_the_policy(page, seed_url, tmp_path):
    violations = _watch(page)
    page.goto(seed_url + QUIZ_URL)
    page.evaluate("localStorage.clear()")
    page.reload()
    first = page.locator("fieldset.rk-quiz-item").first
    first.locator("label").first.click()
    first.locator(".rk-quiz-check").click()
    assert first.locator(".rk-quiz-feedback").inner_text().strip() != ""
    page.get_by_role("button", name="Show my results").click()
    assert page.locator("#rk-quiz-results").is_visible()
    page.locator("#rk-rater").fill("CSP tester")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    saved = tmp_path / "answers.csv"
    dl.value.save_as(saved)
    assert "CSP tester" in saved.read_text(encoding="utf-8")
    assert violations == [], "\n".join(violations)


def test_injected_handlers_scripts_and_javascript_links_run_nothing(page, seed_url):
    violations = _watch(page)
    page.goto(seed_url + "glossary/")
    page.evaluate(
        """() => {
        const box = document.createElement('div');
        box.innerHTML = '<img src="data:," onload="window.__pwned = 1" onerror="window.__pwned = 2">'
            + '<a id="rk-js-link" href="javascript:window.__pwned = 3">x</a>'
            + '<button id="rk-handler" onclick="window.__pwned = 4">y</button>';
        document.querySelector('article').append(box);
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = 5';
        document.body.append(s);
    }"""
    )
    page.locator("#rk-js-link").click()
    page.locator("#rk-handler").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert len(violations) >= 3, violations  # each attempt was refused by the policy, and said so


def test_instant_navigation_works_under_the_policy(page, tmp_path):
    """Material navigates instantly only to URLs of its sitemap (site_url, with its port): the site
    is built for the address it is served from."""
    out = tmp_path / "out"
    out.mkdir()
    url, server = serve(out)
    try:
        project = copy_project(tmp_path / "p")
        cfg = project / "mkdocs.yml"
        cfg.write_text(cfg.read_text(encoding="utf-8").replace('site_url: ""', f'site_url: "{url}"'), encoding="utf-8")
        result = mkdocs_build(project, out)
        assert result.returncode == 0, result.stderr
        violations = _watch(page)
        page.goto(url)
        page.evaluate("window.__rk_same_document = true")
        page.locator(".md-tabs a", has_text="Quizzes").first.click()
        page.wait_for_url("**/quizzes/")
        page.locator(".md-content a[href$='quizzes/cp3-customer-relations/']").first.click()
        page.wait_for_url("**/quizzes/cp3-customer-relations/")
        page.locator(".rk-quiz[data-rk-ready]").wait_for()  # the quiz set itself up after instant navigation
        page.locator(".md-tabs a", has_text="Frameworks").first.click()
        page.wait_for_url("**/frameworks/")
        page.locator(".md-content a[href*='/frameworks/customer-service-rubric/']").first.click()
        page.wait_for_url("**/frameworks/customer-service-rubric/")
        assert page.evaluate("window.__rk_same_document === true"), "instant navigation fell back to a full load"
        # Material's instant navigation re-creates each inline script of the new page with its text
        # only; the quiz's data travels in an inert <template>, so nothing is refused.
        assert violations == [], "\n".join(violations)
    finally:
        server.shutdown()
        server.server_close()


LONG_TITLE = (
    "A framework with a very long title that the header has to shorten with an ellipsis, "
    "so that Material copies its text into a tooltip "
    '<img src="x" onerror="window.__pwned = 1"> and more words after it to be sure it overflows'
)


def test_a_long_title_with_markup_runs_nothing_when_the_header_title_is_hovered(browser, tmp_path):
    """Material copies the visible text of a shortened header title into a tooltip as HTML: the
    markup may appear there, but under the policy its handler does not run."""
    project = copy_project(tmp_path / "p")
    fw = (project / "frameworks" / "frontline-customer-service.yaml").read_text(encoding="utf-8")
    fw = fw.replace("id: frontline-customer-service", "id: long-title", 1)
    fw = re.sub(r"(?m)^title: .*$", "title: '" + LONG_TITLE.replace("'", "''") + "'", fw, count=1)
    (project / "frameworks" / "long-title.yaml").write_text(fw, encoding="utf-8")
    out = tmp_path / "out"
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr
    url, server = serve(out)
    context = browser.new_context(viewport={"width": 1024, "height": 700})
    try:
        page = context.new_page()
        violations = _watch(page)
        page.goto(url + "frameworks/long-title/matrix/")
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(300)
        header_title = page.locator(".md-header__topic .md-ellipsis").last
        header_title.hover()
        page.wait_for_timeout(500)
        assert page.evaluate("window.__pwned") is None
        injected = page.evaluate("document.querySelectorAll('[id^=__tooltip_] img').length")
        if injected:  # Material put the markup into its tooltip: the policy refused the handler
            assert any("inline event handler" in v for v in violations), violations
    finally:
        context.close()
        server.shutdown()
        server.server_close()
