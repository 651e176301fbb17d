"""A new rater takes a quiz in real Chromium: keyboard only, feedback, results equal to the scoring engine,
saved progress, downloaded answers, starting over, accessibility; and an assessment build that gives nothing away."""

from __future__ import annotations

import csv
import io
import json
import math
from html import escape, unescape
from pathlib import Path

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe

from raterkit.model import anchor
from raterkit.rules import resolve_pass_rule
from raterkit.scoring import score_matrix
from raterkit.site.quizpages import ANSWER_KEYS
from raterkit.words import bias_words
from support import ROOT, mkdocs_build

pytestmark = pytest.mark.browser

QUIZ = "cp3-customer-relations"
URL = f"quizzes/{QUIZ}/"
# Rating minus reference for each of the 12 behaviours (clamped to the scale): hits and misses both ways.
PATTERN = [0, 1, 0, -1, 0, 0, 2, 0, 1, 0, -2, 0]


def _answers(catalog) -> list[int]:
    quiz = catalog.quizzes[QUIZ]
    fw = catalog.frameworks[quiz.framework]
    top = len(fw.scale) - 1
    return [min(top, max(0, fw.level_index(item.reference) + d)) for item, d in zip(quiz.items, PATTERN, strict=True)]


def _tab_to(page, predicate: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!(el && ({predicate})); }})()"):
            return
    pytest.fail(f"Tab never reached: {predicate}")


def _results(page) -> dict[str, str]:
    return {
        dd.get_attribute("data-key"): dd.get_attribute("data-value") for dd in page.locator(".rk-quiz-scores dd").all()
    }


def test_a_rater_takes_the_quiz_by_keyboard_and_sees_feedback_results_saved_answers_and_downloads(
    page, seed_url, catalog, tmp_path
):
    quiz = catalog.quizzes[QUIZ]
    fw = catalog.frameworks[quiz.framework]
    answers = _answers(catalog)
    page.goto(seed_url + URL)
    page.evaluate("localStorage.clear()")
    page.reload()

    for item, position in zip(quiz.items, answers):
        _tab_to(page, f"el.name === 'rk-q-{item.id}'")
        if position == 0:
            page.keyboard.press("Space")
        for _ in range(position):
            page.keyboard.press("ArrowRight")
        assert page.locator(f"input[name='rk-q-{item.id}']:checked").get_attribute("value") == fw.scale[position].id
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('rk-quiz-check')")
        page.keyboard.press("Enter" if position % 2 else "Space")
        assert page.evaluate("document.activeElement.classList.contains('rk-quiz-check')"), (
            "focus left the Check button"
        )

    # A hit says so in words; a miss names the reference, gives the reasons, the cited statements and the diff.
    hit = page.locator(f"#item-{quiz.items[0].id} .rk-quiz-feedback")
    assert "Correct" in hit.inner_text() and hit.locator("table").count() == 0
    miss_item = quiz.items[1]
    miss = page.locator(f"#item-{miss_item.id} .rk-quiz-feedback")
    text = miss.inner_text()
    assert "Not the reference" in text and fw.level(miss_item.reference).label in text
    assert " ".join(miss_item.rationale.split()[:8]) in " ".join(text.split())
    links = [miss.locator("a").nth(i).get_attribute("href") for i in range(miss.locator("a").count())]
    for address in miss_item.cites:
        assert any(h.endswith("#" + anchor(address)) for h in links)
    assert miss.locator("table.rk-quiz-diff del, table.rk-quiz-diff ins").count() > 0

    cited_url = miss.locator("a").first.evaluate("a => a.href")

    # Results equal the Python engine on the same answers.
    page.get_by_role("button", name="Show my results").click()
    got = _results(page)
    key = np.array([fw.level_index(i.reference) for i in quiz.items])
    rule = resolve_pass_rule(quiz.pass_rule, len(fw.scale))
    want = score_matrix(np.array([answers]), key, len(fw.scale), rule)
    assert int(got["n"]) == want.n[0] == 12
    assert math.isclose(float(got["exact"]), want.exact[0])
    assert math.isclose(float(got["within_one"]), want.within_one[0])
    assert math.isclose(float(got["bias"]), want.bias[0], abs_tol=1e-12)
    assert math.isclose(float(got["qwk"]), want.qwk[0])
    assert (got["passed"] == "true") == bool(want.passed[0])
    cells = page.locator("table.rk-quiz-confusion tbody tr")
    shown = [[int(c) for c in cells.nth(r).locator("td").all_inner_texts()] for r in range(len(fw.scale))]
    assert shown == want.confusion[0].tolist()
    assert page.locator("table.rk-quiz-confusion th[scope=row]").count() == len(fw.scale)
    panel = page.locator(".rk-quiz-results").inner_text()
    assert f"{want.exact[0] * 100:.1f}%" in panel
    direction = "higher" if want.bias[0] > 0 else "lower"
    assert f"on average {abs(want.bias[0]):.2f} levels {direction} than the reference" in panel

    # Progress survives a reload.
    page.reload()
    assert page.locator(".rk-quiz input[type=radio]:checked").count() == 12
    assert page.locator(f"#item-{miss_item.id} .rk-quiz-feedback table").count() == 1

    # Download needs a name; then CSV and JSON in the response format.
    page.get_by_role("button", name="Download CSV").click()
    assert "Enter your name or ID" in page.locator(".rk-quiz-download-status").inner_text()
    page.get_by_label("Your name or ID").fill("Ana, trainee")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["rater", "item", "rating", "quiz", "timestamp"]
    assert [(r["rater"], r["item"], r["rating"], r["quiz"]) for r in rows] == [
        ("Ana, trainee", i.id, fw.scale[p].id, QUIZ) for i, p in zip(quiz.items, answers)
    ]
    assert all(r["timestamp"].endswith("Z") for r in rows)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download JSON").click()
    doc = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert doc["rater"] == "Ana, trainee" and doc["quiz"] == QUIZ
    assert [(r["item"], r["rating"]) for r in doc["responses"]] == [
        (i.id, fw.scale[p].id) for i, p in zip(quiz.items, answers)
    ]
    assert [r["timestamp"] for r in doc["responses"]] == [r["timestamp"] for r in rows]

    # Start over clears everything, also after a reload.
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Start over").click()
    assert dialogs and "start over" in dialogs[0].lower()
    assert page.locator(".rk-quiz input[type=radio]:checked").count() == 0
    assert page.locator(".rk-quiz-feedback table").count() == 0
    page.reload()
    assert page.locator(".rk-quiz input[type=radio]:checked").count() == 0
    assert page.get_by_label("Your name or ID").input_value() == ""

    # A cited statement's link opens it on the matrix.
    page.goto(cited_url)
    assert page.locator("#" + cited_url.split("#")[1]).count() == 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_quiz_page_passes_axe_before_and_after_checking_and_with_results_open(browser, seed_url, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(seed_url + URL)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    for item, level in (("cp3-01", "I"), ("cp3-02", "I"), ("cp3-03", "III")):
        page.locator(f"label[for='rk-q-{item}-{level}']").click()
        page.locator(f"#item-{item} .rk-quiz-check").click()
    assert page.locator(".rk-quiz-diff").count() >= 1, "no miss was shown"
    page.get_by_role("button", name="Show my results").click()
    page.get_by_role("button", name="Download CSV").click()  # shows the "enter your name" message
    results = Axe().run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()


def test_the_assessment_build_contains_no_reference_rationale_or_cited_statement(tmp_path, seed_site, catalog):
    out = tmp_path / "assessment-site"
    result = mkdocs_build(ROOT, out, env={"RATERKIT_ASSESSMENT": "1"})
    assert result.returncode == 0, result.stderr
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in {".html", ".js", ".json", ".css", ".xml", ".txt"}]
    assert any(p.name == "search_index.json" for p in files)
    items = [i for q in catalog.quizzes.values() for i in q.items]
    rationales = {i.rationale[:60] for i in items}
    rationales |= {r.replace("'", "&#x27;").replace('"', "&quot;") for r in rationales}
    addresses = {a for i in items for a in i.cites}
    anchors = {anchor(a) for a in addresses}
    markers = {f'"{k}":' for k in ANSWER_KEYS} | {f'\\"{k}\\":' for k in ANSWER_KEYS}
    for path in files:
        rel = path.relative_to(out).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in rationales | addresses | markers:
            assert needle not in text, f"{rel} contains {needle!r}"
        # Statement pages show every statement with its anchor by design; they do not read quizzes
        # (checked below: identical to the practice build). Everywhere else no cited anchor may appear.
        if not rel.startswith(("frameworks/", "across/")):
            for a in anchors:
                assert a not in text, f"{rel} contains the cited anchor {a}"

    # The navigation differs (an assessment build has no practice notebooks); the content must not.
    def article(html: bytes) -> bytes:
        return html[html.index(b"<article") : html.index(b"</article>")]

    for path in (out / "frameworks").rglob("*.html"):
        twin = seed_site / path.relative_to(out)
        assert article(path.read_bytes()) == article(twin.read_bytes()), (
            f"{path.relative_to(out)} differs in assessment mode"
        )
    page = (out / URL / "index.html").read_text(encoding="utf-8")
    assert "rk-quiz-check" not in page and "Download JSON" in page and "rk-quiz-data" in page


# ----------------------------------------------------------------------------- the page's data, as the browser gets it

DATA_OPEN = '<template id="rk-quiz-data">'


def _serve_with_payload(page, url: str, change) -> None:
    """Serve the quiz page with its embedded payload changed by ``change(payload)`` (in place)."""

    def handle(route):
        response = route.fetch()
        html = response.text()
        start = html.index(DATA_OPEN) + len(DATA_OPEN)
        end = html.index("</template>", start)
        data = json.loads(unescape(html[start:end]))
        change(data)
        text = escape(json.dumps(data))
        route.fulfill(response=response, body=html[:start] + text + html[end:])

    page.route(url, handle)


def _store(page, answers: dict[str, str], rater: str = "", checked: bool = False) -> None:
    saved = {
        "answers": {
            i: {"rating": r, "timestamp": "2024-05-01T09:00:00.000Z", "checked": checked} for i, r in answers.items()
        },
        "rater": rater,
    }
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [f"raterkit-quiz:{QUIZ}", json.dumps(saved)])
    page.reload()


def _bias_text(page) -> str:
    if not page.locator(".rk-quiz-results").is_visible():
        page.get_by_role("button", name="Show my results").click()
    return page.locator(".rk-quiz-scores dd[data-key=bias]").inner_text()


def _eight_answers(catalog, shift: int, how_many: int) -> dict[str, str]:
    """Eight answers: ``how_many`` of them ``shift`` levels from the reference (where the scale allows), the rest on it."""
    quiz = catalog.quizzes[QUIZ]
    fw = catalog.frameworks[quiz.framework]
    out, moved = {}, 0
    for item in quiz.items:
        ref = fw.level_index(item.reference)
        if moved < how_many and 0 <= ref + shift < len(fw.scale):
            out[item.id], moved = fw.scale[ref + shift].id, moved + 1
        elif len(out) - moved < 8 - how_many:
            out[item.id] = item.reference
        if len(out) == 8:
            return out
    raise AssertionError("the quiz cannot give these answers")


def test_results_word_the_bias_with_the_phrases_in_the_page_payload(page, seed_url, catalog):
    phrases = {
        "same": "same-marker",
        "higher": "{unit} up by {size}",
        "lower": "{unit} down by {size}",
        "lenient": " (lenient-marker)",
        "severe": " (severe-marker)",
        "none": "none",
    }
    _serve_with_payload(page, seed_url + URL, lambda data: data.update(bias_words=phrases, bias_threshold=0.5))
    page.goto(seed_url + URL)
    _store(page, _eight_answers(catalog, 0, 0))
    assert _bias_text(page) == "same-marker"
    _store(page, _eight_answers(catalog, +1, 1))  # 1/8 = 0.125: two decimals as Python writes them, 0.12
    assert _bias_text(page) == "levels up by 0.12"
    _store(page, _eight_answers(catalog, +1, 4))  # 0.5: the rater-effect threshold reached
    assert _bias_text(page) == "levels up by 0.50 (lenient-marker)"
    _store(page, _eight_answers(catalog, -1, 8))
    assert _bias_text(page) == "level down by 1.00 (severe-marker)"


BELOW_THRESHOLD = [(0, 0), (+1, 1), (-1, 3)]  # bias 0, 0.125 (a tie: 0.12), -0.375 (a tie: 0.38)
AT_OR_ABOVE = [(+1, 4), (-1, 8)]  # 0.5 and -1: lenient / severe


@pytest.mark.parametrize("shift, how_many", BELOW_THRESHOLD + AT_OR_ABOVE)
def test_results_word_the_bias_exactly_as_raterkit_words_does(page, seed_url, catalog, shift, how_many):
    page.goto(seed_url + URL)
    _store(page, _eight_answers(catalog, shift, how_many))
    assert _bias_text(page) == bias_words(shift * how_many / 8)


def test_stored_answers_and_payload_text_are_shown_as_text_and_run_nothing(page, seed_url, catalog):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append(d.message), d.dismiss()))
    quiz = catalog.quizzes[QUIZ]
    first, second = quiz.items[0], quiz.items[1]
    label = "<img src=x onerror=\"window.__pwned='label'\">"

    def poison(data):
        data["levels"][0]["label"] = label
        item = next(i for i in data["items"] if i["id"] == second.id)
        item["rationale"] += (
            "<img src=x onerror=\"window.__pwned='rationale'\"><script>window.__pwned='script'</script>"
            "<a href=\"javascript:window.__pwned='link'\" onclick=\"window.__pwned='click'\">a link</a>"
            "<a href=\"java&#9;script:window.__pwned='tab'\">another</a>"
        )

    _serve_with_payload(page, seed_url + URL, poison)
    page.goto(seed_url + URL)
    page.evaluate("localStorage.clear()")
    # Damaged saved answers: quotes and markup in item ids, ratings and the rater's name.
    _store(
        page,
        {first.id: first.reference, 'x"] , *[y="': "I", second.id: '"]<img src=x onerror="window.__pwned=1">'},
        rater="<img src=x onerror=\"window.__pwned='rater'\">",
        checked=True,
    )
    assert page.locator(".rk-quiz input[type=radio]:checked").count() == 1, "only the sound saved answer is restored"
    assert page.get_by_label("Your name or ID").input_value().startswith("<img")
    wrong = next(lv.id for lv in catalog.frameworks[quiz.framework].scale if lv.id != second.reference)
    page.locator(f"label[for='rk-q-{second.id}-{wrong}']").click()
    page.locator(f"#item-{second.id} .rk-quiz-check").click()
    feedback = page.locator(f"#item-{second.id} .rk-quiz-feedback")
    assert "Not the reference" in feedback.inner_text() and feedback.locator("table.rk-quiz-diff").count() == 1
    feedback.get_by_text("a link").click()
    page.get_by_role("button", name="Show my results").click()
    assert label in page.locator("table.rk-quiz-confusion").inner_text()
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("article img, article script:not([type='application/json'])").count() == 0
    assert page.locator("article a[href^='javascript'], article [onclick], article [onerror]").count() == 0
    assert errors == []
