"""A site built from payload-laden data runs nothing, in real Chromium.

One framework, one quiz, one glossary term and one crosswalk theme carry script payloads in every
text field (markup, attribute breakouts, attr_list syntax, a line break that could end front matter,
javascript: links, an overlong title). On every page they reach, every element with a title or a
tooltip is focused and hovered (Material renders tooltips from title attributes as HTML) and every
link and button that stays on the page is clicked: no dialog, no page error, ``window.__pwned``
never set, no javascript: URL requested or linked.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Error as PlaywrightError

from support import ROOT, copy_project, mkdocs_build, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FW = "hostile-test"
QUIZ = "hostile-quiz"
COMPETENCY = "customer-relations"  # shared with the seeds, so the across-frameworks page shows it too
LEVELS = ["L1", "L2", "L3"]
PAYLOADS = [
    "<img src=x onerror=window.__pwned=1>",
    '"><svg onload=window.__pwned=1>',
    "{: autofocus onfocus=window.__pwned=1 }",
    "\n---\n{: autofocus onfocus=window.__pwned=1 }\n",
    "[x](javascript:window.__pwned=1)",
]
LONG = "A very long title " + "that keeps going " * 30 + PAYLOADS[0]


def hostile(label: str) -> str:
    """Plain words (so the text can be found) followed by every payload."""
    return f"{label} " + " ".join(PAYLOADS)


def _framework() -> dict:
    return {
        "id": FW,
        "title": LONG,
        "family": hostile("Hostile family"),
        "source": {"document": hostile("Source document"), "url": "javascript:window.__pwned=1"},
        "guidance": [hostile("Guidance one"), hostile("Guidance two")],
        "scale": [{"id": level, "label": hostile(f"Level {level}")} for level in LEVELS],
        "competencies": [
            {
                "id": COMPETENCY,
                "title": hostile("Hostile competency"),
                "definition": hostile("Handles quokkas."),
                "expectations": hostile("Expectations"),
                "criteria": [{"id": "c1", "label": hostile("Criterion one")}, {"id": "c2", "label": hostile("Two")}],
                "descriptors": {
                    level: {
                        "c1": [hostile(f"Sorts quokkas at {level}."), hostile(f"Counts quokkas at {level}.")],
                        "c2": [hostile(f"Teaches quokkas at {level}.")],
                    }
                    for level in LEVELS
                },
            }
        ],
    }


def _quiz() -> dict:
    def item(n: int, reference: str) -> dict:
        return {
            "id": f"hq-0{n}",
            "framework": FW,
            "competency": COMPETENCY,
            "criterion": "c1",
            "behaviour": hostile(f"Behaviour {n}: sorted the quokkas."),
            "reference": reference,
            "rationale": hostile(f"Rationale {n}."),
            "cites": [f"{FW}/{COMPETENCY}/{reference}/c1/1", f"{FW}/{COMPETENCY}/L1/c2/1"],
        }

    return {
        "id": QUIZ,
        "title": hostile("Hostile quiz"),
        "description": hostile("Hostile description"),
        "items": [item(1, "L2"), item(2, "L3"), item(3, "L1")],
    }


def _add_glossary_term(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["terms"].append({"term": "quokka", "also": ["quokkas"], "definition": hostile("A small marsupial.")})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _add_theme(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["themes"].append(
        {
            "id": "hostile-theme",
            "title": hostile("Hostile theme"),
            "description": hostile("Theme description"),
            "links": [
                {"framework": FW, "competency": COMPETENCY, "criterion": "c1", "note": hostile("Note")},
                {"framework": "acqdemo-cp3-customer-relations", "competency": COMPETENCY, "note": hostile("Other")},
            ],
        }
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


PAGES = [
    f"frameworks/{FW}/",
    f"frameworks/{FW}/matrix/",
    f"frameworks/{FW}/compare/",
    *[f"frameworks/{FW}/levels/{level}/" for level in LEVELS],
    *[f"frameworks/{FW}/compare/{a}-vs-{b}/" for i, a in enumerate(LEVELS) for b in LEVELS[i + 1 :]],
    f"quizzes/{QUIZ}/",
    "glossary/",
    "across/crosswalk/",
    f"across/{COMPETENCY}/",
    "notebooks/",
    "frameworks/",
    "quizzes/",
]


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("hostile-project"))
    (project / "frameworks" / f"{FW}.yaml").write_text(
        yaml.safe_dump(_framework(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (project / "quiz" / f"{QUIZ}.yaml").write_text(
        yaml.safe_dump(_quiz(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    _add_glossary_term(project / "frameworks" / "glossary.yaml")
    _add_theme(project / "frameworks" / "crosswalk.yaml")
    out = project / "site-out"
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def hostile_url(hostile_site):
    url, server = serve(hostile_site)
    yield url
    server.shutdown()
    server.server_close()


#: Marks every element to try: a title or a tooltip anywhere; links and buttons in the content and
#: the header that do not leave the page (in-page anchors, buttons, and any javascript: link, which
#: is exactly what must not run). Returns how many of each.
MARK = """() => {
  const here = location.origin + location.pathname;
  const hover = Array.from(document.querySelectorAll('[title], [data-md-tooltip], abbr, .md-tooltip, .md-annotation'));
  hover.forEach((el, i) => el.setAttribute('data-rk-hover', i));
  const click = Array.from(document.querySelectorAll('article a[href], article button, .md-header button, .md-header label'))
    .filter(el => {
      if (el.tagName !== 'A') return !el.closest('.rk-quiz-download') && !el.matches('.rk-quiz-start-over');
      const raw = (el.getAttribute('href') || '').trim();
      if (/^javascript:/i.test(raw)) return true;
      if (el.target && el.target !== '_self') return false;
      try { const u = new URL(el.href); return u.origin + u.pathname === here; } catch (e) { return false; }
    });
  click.forEach((el, i) => el.setAttribute('data-rk-click', i));
  return [hover.length, click.length];
}"""
LIVE_LINKS = "a[href^='javascript:' i], a[href^=' javascript:' i], [href^='javascript:' i], [src^='javascript:' i]"
#: Elements that could run something: an inline handler, autofocus, a javascript: address. Checked in
#: the live page after every hover and click, so an injection shows even where the site's
#: Content-Security-Policy stops it from running.
LIVE_DOM = """() => Array.from(document.querySelectorAll('*')).filter(el => Array.from(el.attributes).some(a =>
  /^on/i.test(a.name) || a.name === 'autofocus' ||
  (/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && /^\\s*javascript:/i.test(a.value))
)).map(el => el.outerHTML.slice(0, 160))"""
#: Collects what the Content-Security-Policy blocked: each is an injection the escaping let through.
CSP_LOG = """window.__rkCsp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__rkCsp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));"""
MAX_EACH = 80
GUARD = (
    ROOT / "src" / "raterkit" / "site" / "assets" / "rk-tooltips.js"
)  # a page has far fewer; keeps a runaway page bounded


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.add_init_script(CSP_LOG)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.type} {d.message!r}"), d.dismiss()))
    page.on("request", lambda r: r.url.lower().startswith("javascript:") and problems.append(f"request: {r.url}"))
    page.on("popup", lambda p: problems.append(f"popup: {p.url}"))
    return problems


def _pwned(page) -> bool:
    return page.evaluate("typeof window.__pwned !== 'undefined'")


def _injected(page) -> list[str]:
    """Live markup in the page and what the Content-Security-Policy had to block."""
    return page.evaluate(LIVE_DOM) + [f"blocked by CSP: {v}" for v in page.evaluate("window.__rkCsp || []")]


def _exercise(page) -> None:
    """Focus and hover every element with a title or tooltip; click every link and button that stays
    on the page (going back when one leaves it after all)."""
    url = page.url
    n_hover, n_click = page.evaluate(MARK)
    for i in range(min(n_hover, MAX_EACH)):
        el = page.locator(f"[data-rk-hover='{i}']")
        el.evaluate("el => el.focus && el.focus()")
        if el.is_visible():
            with contextlib.suppress(PlaywrightError):  # covered by another element: focusing it was the test
                el.hover(timeout=500)
    for i in range(min(n_click, MAX_EACH)):
        el = page.locator(f"[data-rk-click='{i}']")
        if el.count() and el.is_visible():
            with contextlib.suppress(PlaywrightError):  # covered or moved by an earlier click: nothing ran
                el.click(timeout=500)
            page.keyboard.press("Escape")
            if page.url.split("#")[0] != url.split("#")[0]:
                page.goto(url)
                page.evaluate(MARK)
    page.wait_for_timeout(200)  # let an injected handler (onload, onerror) fire if there were one


@pytest.mark.parametrize("path", PAGES)
def test_every_tooltip_link_and_button_on_a_hostile_page_runs_nothing(browser, hostile_url, path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(2000)
    context.set_default_navigation_timeout(15000)  # a page load, with the other test process busy: not what is tested
    page = context.new_page()
    problems = _watch(page)
    try:
        page.goto(hostile_url + path)
        assert page.locator("article").count() == 1, f"{path} did not open"
        assert page.locator(LIVE_LINKS).count() == 0, f"{path} has a javascript: link or source"
        _exercise(page)
        assert not _pwned(page), f"{path}: a payload ran"
        assert _injected(page) == [], f"{path}: markup from the data is live"
        assert problems == [], f"{path}: {problems}"
    finally:
        context.close()


def test_the_title_guard_stops_material_drawing_a_shortened_title_as_markup(browser, hostile_url):
    """rk-tooltips.js on its own (loaded by hand, the page's CSP set aside so only the guard protects):
    Material copies a shortened heading's text into a title and draws the title as HTML."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(2000)
    context.set_default_navigation_timeout(15000)  # a page load, with the other test process busy: not what is tested
    page = context.new_page()
    problems = _watch(page)
    try:
        page.goto(hostile_url + f"frameworks/{FW}/compare/")
        page.add_script_tag(path=str(GUARD))
        _exercise(page)
        assert not _pwned(page)
        assert page.evaluate(LIVE_DOM) == []
        assert problems == []
        titles = page.evaluate("Array.from(document.querySelectorAll('[title]'), el => el.title)")
        assert any("&lt;img src=x onerror=window.__pwned=1&gt;" in t for t in titles), "no title was rewritten"
    finally:
        context.close()


def test_the_quiz_feedback_and_results_on_hostile_data_run_nothing(browser, hostile_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(3000)
    page = context.new_page()
    problems = _watch(page)
    try:
        page.goto(hostile_url + f"quizzes/{QUIZ}/")
        for n, level in ((1, "L1"), (2, "L3"), (3, "L2")):  # a miss, a hit and a miss: every kind of feedback
            page.locator(f"#item-hq-0{n} input[value='{level}']").check()
            page.locator(f"#item-hq-0{n} .rk-quiz-check").click()
        page.get_by_role("button", name="Show my results").click()
        feedback = page.locator("#item-hq-01 .rk-quiz-feedback")
        assert "Rationale 1." in feedback.inner_text()
        assert feedback.locator("img, svg, script, [onerror], [onload], [onfocus], [autofocus]").count() == 0
        for el in feedback.locator("[title], a").all():
            el.focus()
            el.hover()
        page.wait_for_timeout(200)
        assert not _pwned(page)
        assert _injected(page) == []
        assert problems == []
    finally:
        context.close()


def test_searching_for_the_hostile_words_shows_results_that_run_nothing(browser, hostile_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5000)
    page = context.new_page()
    problems = _watch(page)
    try:
        page.goto(hostile_url + f"frameworks/{FW}/")
        box = page.locator("input.md-search__input")
        box.click()
        for _ in range(5):  # the index loads in a worker: a query typed before it is ready is not run again
            box.fill("")
            box.press_sequentially("quokkas onerror")
            with contextlib.suppress(PlaywrightError):
                page.locator(".md-search-result__item").first.wait_for(timeout=3000)
                break
        assert page.locator(".md-search-result__item").count() > 0, "search found nothing"
        for el in page.locator(".md-search-result__item").all()[:10]:
            el.hover()
        page.wait_for_timeout(300)
        assert page.locator(".md-search-result img, .md-search-result svg[onload]").count() == 0
        assert not _pwned(page)
        assert _injected(page) == []
        assert problems == []
    finally:
        context.close()
