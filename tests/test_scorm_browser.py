"""A trainee takes a quiz exported as a SCORM package inside a real SCORM run-time, in Debian's Chromium,
by keyboard alone: scorm-again (npm, installed by `make test`) hosts it as an LMS does, in a parent page
(tests/scorm/lms.html) holding window.API (1.2) or window.API_1484_11 (2004), with the package unzipped
and served over HTTP on loopback in an iframe. Read from the LMS side: the score, the status, one
interaction per behaviour, the suspend data, a commit after every answer, the end of the session;
leaving and resuming; a failing and a passing trainee; the assessment variant; the page on its own;
axe-core."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe

from raterkit.cli import main
from raterkit.rules import resolve_pass_rule
from raterkit.scoring import score_matrix
from support import FRAMEWORKS, QUIZ, TESTS, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUIZ_ID = "cp3-customer-relations"
HARNESS = TESTS / "scorm"
RUNTIME = HARNESS / "node_modules" / "scorm-again" / "dist"
EDITIONS = ["1.2", "2004"]
# Rating minus reference per behaviour (clamped to the scale). Passing: one miss by one level (11 of 12
# exact, all within one). Failing: hits and misses both ways, two of them by two levels.
TRAINEES = {
    "passing": [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    "failing": [0, 1, 0, -1, 0, 0, 2, 0, 1, 0, -2, 0],
}
LEARNER = {"id": "t-0042", "name": "Trainee, Ana"}


# ----------------------------------------------------------------------------- the test LMS


@pytest.fixture(scope="module")
def lms_url(tmp_path_factory):
    """The test LMS and four packages (each edition, practice and assessment), served on loopback."""
    if not (RUNTIME / "scorm12.js").is_file():
        pytest.fail(
            f"The SCORM tests need scorm-again in {HARNESS / 'node_modules'}: run 'make test' (it installs it) "
            "or 'npm ci --prefix tests/scorm'."
        )
    root = tmp_path_factory.mktemp("lms")
    for name in ("lms.html", "lms.js"):
        shutil.copy2(HARNESS / name, root / name)
    (root / "lib").mkdir()
    for name in ("scorm12.js", "scorm2004.js"):
        shutil.copy2(RUNTIME / name, root / "lib" / name)
    for edition in EDITIONS:
        for mode in ("practice", "assessment"):
            zip_path = root / f"{edition}-{mode}.zip"
            extra = ["--assessment"] if mode == "assessment" else []
            args = ["export", "scorm", QUIZ_ID, "-o", str(zip_path), "--scorm", edition, *extra]
            assert main([*args, "--data", str(FRAMEWORKS), str(QUIZ)]) == 0
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(root / package_dir(edition, mode))
    url, server = serve(root)
    yield url
    server.shutdown()
    server.server_close()


def package_dir(edition: str, mode: str = "practice") -> str:
    return f"sco-{edition}-{mode}"


def mastery(url: str, edition: str, mode: str) -> str:
    """What an LMS takes from the package's manifest: the mastery score (1.2) or the passing score (2004)."""
    with urllib.request.urlopen(f"{url}{package_dir(edition, mode)}/imsmanifest.xml") as response:
        root = ET.fromstring(response.read())
    found = [e.text for e in root.iter() if e.tag.endswith(("}masteryscore", "}minNormalizedMeasure"))]
    assert len(found) == 1
    return found[0]


def learner(url: str, edition: str, mode: str, **stored) -> dict:
    """The data model an LMS starts a learner's attempt with (scorm-again's loadFromJSON), plus ``stored``."""
    if edition == "1.2":
        cmi = {
            "core": {
                "student_id": LEARNER["id"],
                "student_name": LEARNER["name"],
                "credit": "credit",
                "lesson_mode": "normal",
                "entry": "ab-initio",
            },
            "student_data": {"mastery_score": mastery(url, edition, mode)},
        }
    else:
        cmi = {
            "learner_id": LEARNER["id"],
            "learner_name": LEARNER["name"],
            "credit": "credit",
            "mode": "normal",
            "entry": "ab-initio",
            "scaled_passing_score": mastery(url, edition, mode),
        }
    for key, value in stored.items():
        if isinstance(value, dict) and isinstance(cmi.get(key), dict):
            cmi[key] = {**cmi[key], **value}
        else:
            cmi[key] = value
    return cmi


class Lms:
    """One launch of the package from the test LMS: the parent page, the package's frame, what the LMS holds."""

    def __init__(self, browser, url: str, edition: str, mode: str = "practice", cmi: dict | None = None):
        self.edition, self.mode, self.url = edition, mode, url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.trouble: list[str] = []
        self.requests: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.trouble.append(f"page error: {error}"))
        self.page.on("console", self._console)
        self.page.on("response", lambda r: self.trouble.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
        self.page.on("dialog", lambda d: (self.trouble.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.on("request", lambda request: self.requests.append(request.url))
        conf = {"edition": edition, "launch": f"{package_dir(edition, mode)}/index.html", "cmi": cmi}
        self.page.add_init_script(f"window.RK_LMS = {json.dumps(conf)};")
        self.page.goto(url + "lms.html")
        self.frame = self.page.locator("#sco").element_handle().content_frame()
        self.frame.wait_for_selector("[data-rk-ready]")
        self.page.wait_for_function("window.lmsRecord.commits > 0")  # the page's first commit, once ready

    def _console(self, message) -> None:
        # The test LMS has no icon: the browser's request for one is the LMS's 404, not the package's.
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
            self.trouble.append(f"console {message.type}: {message.text}")

    @property
    def v2004(self) -> bool:
        return self.edition == "2004"

    def data(self) -> dict:
        return self.page.evaluate("lmsData()")

    def record(self) -> dict:
        return self.page.evaluate("window.lmsRecord")

    def commits(self) -> int:
        return int(self.page.evaluate("window.lmsRecord.commits"))

    def active(self, predicate: str) -> bool:
        return bool(
            self.frame.evaluate(
                f"(() => {{ const el = document.activeElement; return document.hasFocus() && !!(el && ({predicate})); }})()"
            )
        )

    def tab_to(self, predicate: str, limit: int = 120) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.active(predicate):
                return
        pytest.fail(f"Tab never reached: {predicate}")

    def rate(self, item_id: str, position: int, level_id: str) -> None:
        """Tab to the behaviour's levels and choose one as a keyboard user does (Space, then the arrows)."""
        self.tab_to(f"el.name === 'rk-q-{item_id}'")
        if position == 0:
            self.page.keyboard.press("Space")
        for _ in range(position):
            self.page.keyboard.press("ArrowRight")
        assert self.frame.locator(f"input[name='rk-q-{item_id}']:checked").get_attribute("value") == level_id

    def check(self) -> None:
        """From the levels just chosen: Tab to the behaviour's Check button and press Enter."""
        self.page.keyboard.press("Tab")
        assert self.active("el.classList.contains('rk-quiz-check')")
        self.page.keyboard.press("Enter")

    def leave(self) -> None:
        """The trainee leaves the course: the LMS unloads the package's page."""
        self.page.evaluate("document.getElementById('sco').src = 'about:blank'")
        self.page.wait_for_function("window.lmsRecord.terminated")

    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> Lms:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def assert_clean(self) -> None:
        """No script error, no value the LMS refused, no request to another host, and the page says it records."""
        trouble = [t for t in self.trouble if not t.endswith("/favicon.ico")]
        assert trouble == []
        assert self.record()["errors"] == []
        hosts = {
            re.sub(r"^(\w+:(//)?[^/]*).*$", r"\1", u) for u in self.requests if not u.startswith(("about:", "data:"))
        }
        assert hosts == {self.url.rstrip("/")}, hosts


def plan(catalog, trainee: str) -> list[int]:
    """The scale positions the trainee chooses, behaviour by behaviour."""
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    top = len(fw.scale) - 1
    return [
        min(top, max(0, fw.level_index(item.reference) + d))
        for item, d in zip(quiz.items, TRAINEES[trainee], strict=True)
    ]


def expected(catalog, positions: list[int]):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    key = np.array([fw.level_index(i.reference) for i in quiz.items])
    rule = resolve_pass_rule(quiz.pass_rule, len(fw.scale))
    return score_matrix(np.array([positions]), key, len(fw.scale), rule), rule


def interactions(data: dict) -> list[dict]:
    found = data["interactions"]
    return [found[str(n)] for n in range(len(found))]


def status_of(data: dict, v2004: bool) -> tuple[str, ...]:
    if v2004:
        return data["completion_status"], data["success_status"]
    return (data["core"]["lesson_status"],)


def score_of(data: dict, v2004: bool) -> dict:
    return data["score"] if v2004 else data["core"]["score"]


def assert_interaction(
    got: dict, number: int, item, level_id: str, reference_id: str, result: str, v2004: bool
) -> None:
    assert got["id"] == (f"urn:raterkit:item:{item.id}" if v2004 else item.id)
    assert got["type"] == "likert"
    assert got["learner_response" if v2004 else "student_response"] == level_id
    assert got["correct_responses"] == {"0": {"pattern": reference_id}}
    assert got["result"] == result
    if v2004:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\dZ", got["timestamp"])
        assert got["description"].startswith(f"Behaviour {number}: {item.behaviour.split()[0]} ")
        assert len(got["description"]) <= 250 and "\n" not in got["description"]
    else:
        assert re.fullmatch(r"\d\d:\d\d:\d\d", got["time"])


def result_word(position: int, reference: int, rule, v2004: bool) -> str:
    d = abs(position - reference)
    if d == 0:
        return "correct"
    if d == 1 and rule.within_one > 0:
        return "neutral"
    return "incorrect" if v2004 else "wrong"


def summary(data: dict, v2004: bool) -> str:
    """One line per run for the test log (`pytest -s`): what the LMS recorded."""
    rows = [
        f"{i['id']}={i['learner_response' if v2004 else 'student_response']}/{i['correct_responses']['0']['pattern']}:{i['result']}"
        for i in interactions(data)
    ]
    return f"status={status_of(data, v2004)} score={score_of(data, v2004)} interactions=[{', '.join(rows)}]"


# ----------------------------------------------------------------------------- practice


@pytest.mark.parametrize("trainee", list(TRAINEES))
@pytest.mark.parametrize("edition", EDITIONS)
def test_a_trainee_rates_every_behaviour_by_keyboard_and_the_lms_records_score_status_and_each_rating(
    browser, lms_url, catalog, edition, trainee
):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    positions = plan(catalog, trainee)
    want, rule = expected(catalog, positions)
    lms = Lms(browser, lms_url, edition, cmi=learner(lms_url, edition, "practice"))
    v2004 = lms.v2004
    with lms:
        assert lms.record()["initialized"]
        status = lms.frame.locator(".rk-scorm-status")
        assert (
            status.inner_text()
            == "Your learning management system (LMS) records your ratings and your result as you go."
        )
        assert lms.frame.get_by_role("button", name="Start over").is_hidden(), "the LMS keeps what it recorded"
        start = lms.data()
        assert status_of(start, v2004) == (("incomplete", "unknown") if v2004 else ("incomplete",))

        for n, (item, position) in enumerate(zip(quiz.items, positions)):
            before = lms.commits()
            lms.rate(item.id, position, fw.scale[position].id)
            assert lms.commits() > before, "no commit after the answer"
            recorded = interactions(lms.data())
            assert len(recorded) == n + 1
            reference = fw.level_index(item.reference)
            word = result_word(position, reference, rule, v2004)
            assert_interaction(recorded[n], n + 1, item, fw.scale[position].id, item.reference, word, v2004)
            before = lms.commits()
            lms.check()
            assert lms.commits() > before, "no commit after the check"
            feedback = lms.frame.locator(f"#item-{item.id} .rk-quiz-feedback").inner_text()
            assert ("Correct" if position == reference else "Not the reference") in feedback
            assert lms.frame.locator(f"input[name='rk-q-{item.id}']:disabled").count() == len(fw.scale), (
                "a checked rating is final"
            )
            if n < len(quiz.items) - 1:
                assert status_of(lms.data(), v2004)[0] == "incomplete"

        data = lms.data()
        score = score_of(data, v2004)
        exact = want.exact[0]
        assert float(score["raw"]) == pytest.approx(exact * 100, abs=1e-4)
        assert (score["min"], score["max"]) == ("0", "100")
        if v2004:
            assert float(score["scaled"]) == pytest.approx(exact, abs=1e-6)
        passed = bool(want.passed[0])
        assert passed is (trainee == "passing")
        word = "passed" if passed else "failed"
        assert status_of(data, v2004) == (("completed", word) if v2004 else (word,))
        recorded = interactions(data)
        assert [r["id"].rsplit(":", 1)[-1] for r in recorded] == [i.id for i in quiz.items], "one per behaviour"
        for n, (got, item, position) in enumerate(zip(recorded, quiz.items, positions), start=1):
            word_i = result_word(position, fw.level_index(item.reference), rule, v2004)
            assert_interaction(got, n, item, fw.scale[position].id, item.reference, word_i, v2004)
        results = {r["result"] for r in recorded}
        assert results == (
            {"correct", "neutral"}
            if trainee == "passing"
            else {"correct", "neutral", "incorrect" if v2004 else "wrong"}
        )
        suspend = json.loads(data["suspend_data"])
        assert suspend["v"] == 1 and suspend["o"] == list(range(len(quiz.items)))
        assert [fw.scale[int("0123456789abcdefghijklmnopqrstuvwxyz".index(c)) >> 1].id for c in suspend["r"]] == [
            fw.scale[p].id for p in positions
        ]
        assert all("0123456789abcdefghijklmnopqrstuvwxyz".index(c) & 1 for c in suspend["r"]), "every answer checked"
        assert len(data["suspend_data"]) <= 4096
        session = data["session_time"] if v2004 else data["core"]["session_time"]
        assert re.fullmatch(r"PT\d+H\d+M\d+\.\d\dS" if v2004 else r"\d\d+:\d\d:\d\d\.\d\d", session)

        # The results panel agrees with the LMS.
        lms.frame.get_by_role("button", name="Show my results").click()
        assert (
            lms.frame.locator(".rk-quiz-scores dd[data-key=passed]").get_attribute("data-value") == str(passed).lower()
        )

        lms.leave()
        data = lms.data()
        assert lms.record()["terminated"]
        assert (data["exit"] if v2004 else data["core"]["exit"]) == ("normal" if v2004 else "")
        assert status_of(data, v2004) == (("completed", word) if v2004 else (word,)), (
            "the LMS's own mastery check agrees"
        )
        print(f"\nSCORM {edition}, {trainee} trainee: {summary(data, v2004)}")
        lms.assert_clean()


def resumed(data: dict, v2004: bool, keep_interactions: bool = True) -> dict:
    """What an LMS keeps of a suspended attempt and gives back at the next launch."""
    stored: dict = {"suspend_data": data["suspend_data"]}
    if keep_interactions:
        stored["interactions"] = data["interactions"]
    if v2004:
        stored |= {"entry": "resume", "completion_status": data["completion_status"]}
    else:
        stored["core"] = {"entry": "resume", "lesson_status": data["core"]["lesson_status"]}
    return stored


@pytest.mark.parametrize(
    "edition, kept", [("1.2", True), ("2004", True), ("1.2", False)], ids=["1.2", "2004", "1.2-interactions-not-kept"]
)
def test_a_trainee_who_leaves_halfway_resumes_where_they_were(browser, lms_url, catalog, edition, kept):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    positions = plan(catalog, "failing")
    first = Lms(browser, lms_url, edition, cmi=learner(lms_url, edition, "practice"))
    v2004 = first.v2004
    with first:
        for item, position in zip(quiz.items[:5], positions[:5]):
            first.rate(item.id, position, fw.scale[position].id)
            first.check()
        # The sixth is chosen but not checked: it comes back chosen, and can still change.
        first.rate(quiz.items[5].id, positions[5], fw.scale[positions[5]].id)
        first.leave()
        data = first.data()
        assert (data["exit"] if v2004 else data["core"]["exit"]) == "suspend"
        assert status_of(data, v2004)[0] == "incomplete"
        assert score_of(data, v2004)["raw"] == "", "no score before every behaviour is rated"
        assert len(interactions(data)) == 6
        first.assert_clean()

    second = Lms(browser, lms_url, edition, cmi=learner(lms_url, edition, "practice", **resumed(data, v2004, kept)))
    with second:
        frame = second.frame
        assert frame.locator(".rk-quiz input[type=radio]:checked").count() == 6
        for item, position in zip(quiz.items[:6], positions[:6]):
            assert (
                frame.locator(f"input[name='rk-q-{item.id}']:checked").get_attribute("value") == fw.scale[position].id
            )
        for item in quiz.items[:5]:
            assert frame.locator(f"#item-{item.id} .rk-quiz-feedback").inner_text().strip(), "feedback is back"
            assert frame.locator(f"input[name='rk-q-{item.id}']:disabled").count() == len(fw.scale)
        assert frame.locator(f"#item-{quiz.items[5].id} .rk-quiz-feedback").inner_text().strip() == ""
        assert frame.locator(f"input[name='rk-q-{quiz.items[5].id}']:disabled").count() == 0
        assert frame.locator(".rk-quiz-restore-note").count() == 0
        calls = second.record()["calls"]
        rewritten = {c[0] for c in calls if c[0].startswith("cmi.interactions.")}
        if kept:
            assert rewritten == set(), "the LMS kept the interactions: nothing is written twice"
        else:
            assert len(interactions(second.data())) == 6, "interactions the LMS did not keep are written again"

        second.tab_to(f"el.name === 'rk-q-{quiz.items[5].id}'")  # the unchecked sixth: Check it now
        second.check()
        for item, position in zip(quiz.items[6:], positions[6:]):
            second.rate(item.id, position, fw.scale[position].id)
            second.check()
        data = second.data()
        recorded = interactions(data)
        assert [r["id"].rsplit(":", 1)[-1] for r in recorded] == [i.id for i in quiz.items], "one per behaviour"
        want, _ = expected(catalog, positions)
        assert float(score_of(data, v2004)["raw"]) == pytest.approx(want.exact[0] * 100, abs=1e-4)
        assert status_of(data, v2004) == (("completed", "failed") if v2004 else ("failed",))
        second.leave()
        second.assert_clean()


@pytest.mark.parametrize("edition", EDITIONS)
def test_suspend_data_that_was_damaged_or_edited_is_passed_over_politely_and_runs_nothing(
    browser, lms_url, catalog, edition
):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    name = "<img src=x onerror=\"window.__pwned='name'\">"
    # The first behaviour at the reference, checked; the second with a code no level has; positions that
    # are no behaviour's; markup for a name.
    first = "0123456789abcdefghijklmnopqrstuvwxyz"[fw.level_index(quiz.items[0].reference) * 2 + 1]
    suspend = json.dumps({"v": 1, "r": first + "Z" + "-" * 10, "o": [0, 99, "x", -1], "n": name})
    lms = Lms(browser, lms_url, edition, cmi=learner(lms_url, edition, "practice", suspend_data=suspend))
    with lms:
        frame = lms.frame
        assert "could not be restored" in frame.locator(".rk-quiz-restore-note").inner_text()
        assert frame.locator(".rk-quiz input[type=radio]:checked").count() == 1
        assert frame.locator(f"#item-{quiz.items[0].id} .rk-quiz-feedback").inner_text().startswith("✓ Correct")
        assert frame.get_by_label("Your name or ID").input_value() == name
        cleaned = json.loads(lms.data()["suspend_data"])
        assert cleaned["r"] == first + "-" * 11 and cleaned["n"] == name
        lms.rate(quiz.items[1].id, 0, fw.scale[0].id)
        assert len(interactions(lms.data())) >= 1
        assert frame.evaluate("typeof window.__pwned") == "undefined"
        assert frame.locator("main img").count() == 0
        lms.assert_clean()

    # Not raterkit's suspend data at all (another package's, or text edited by hand): a fresh start.
    lms = Lms(browser, lms_url, edition, cmi=learner(lms_url, edition, "practice", suspend_data="viewed=1,2,3|last=3"))
    with lms:
        assert "could not be restored" in lms.frame.locator(".rk-quiz-restore-note").inner_text()
        assert lms.frame.locator(".rk-quiz input[type=radio]:checked").count() == 0
        assert json.loads(lms.data()["suspend_data"])["r"] == "-" * 12
        lms.assert_clean()


# ----------------------------------------------------------------------------- assessment


@pytest.mark.parametrize("edition", EDITIONS)
def test_an_assessment_reveals_nothing_until_every_behaviour_is_rated_then_reports_once(
    browser, lms_url, catalog, edition
):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    positions = plan(catalog, "passing")
    want, rule = expected(catalog, positions)
    lms = Lms(browser, lms_url, edition, "assessment", cmi=learner(lms_url, edition, "assessment"))
    v2004 = lms.v2004
    frame = lms.frame
    with lms:
        assert frame.locator(".rk-quiz-check").count() == 0
        # Submitting too early says what is missing and goes to it; nothing is recorded.
        lms.rate(quiz.items[0].id, positions[0], fw.scale[positions[0]].id)
        lms.tab_to("el.classList.contains('rk-quiz-submit')")
        lms.page.keyboard.press("Enter")
        assert "you have rated 1 of 12" in frame.locator(".rk-quiz-count").inner_text()
        assert lms.active(f"el.name === 'rk-q-{quiz.items[1].id}'"), "focus goes to the first behaviour left"
        for n, (item, position) in enumerate(zip(quiz.items[1:], positions[1:]), start=1):
            before = lms.commits()
            if n == 1:  # focus is on its levels already
                if position == 0:
                    lms.page.keyboard.press("Space")
                for _ in range(position):
                    lms.page.keyboard.press("ArrowRight")
            else:
                lms.rate(item.id, position, fw.scale[position].id)
            assert lms.commits() > before, "the answer is saved with the LMS at once"
        body = frame.locator("main").inner_text()
        assert "Reference level" not in body and "Why" not in body
        assert all(frame.locator(".rk-quiz-feedback").nth(i).inner_text() == "" for i in range(12))
        assert frame.locator(".rk-quiz-results").is_hidden()
        data = lms.data()
        assert interactions(data) == [] and status_of(data, v2004)[0] == "incomplete"
        assert score_of(data, v2004)["raw"] == ""

        lms.tab_to("el.classList.contains('rk-quiz-submit')")
        lms.page.keyboard.press("Enter")
        assert frame.locator(".rk-quiz-results").is_visible()
        assert frame.locator(".rk-quiz-feedback:has(.rk-quiz-verdict)").count() == 12
        assert frame.locator(".rk-quiz input[type=radio]:disabled").count() == 12 * len(fw.scale)
        assert frame.locator(".rk-quiz-submit").is_hidden()
        data = lms.data()
        recorded = interactions(data)
        assert len(recorded) == 12
        for n, (got, item, position) in enumerate(zip(recorded, quiz.items, positions), start=1):
            word = result_word(position, fw.level_index(item.reference), rule, v2004)
            assert_interaction(got, n, item, fw.scale[position].id, item.reference, word, v2004)
        assert float(score_of(data, v2004)["raw"]) == pytest.approx(want.exact[0] * 100, abs=1e-4)
        assert status_of(data, v2004) == (("completed", "passed") if v2004 else ("passed",))
        writes = [c for c in lms.record()["calls"] if c[0].endswith(".result")]
        assert len(writes) == 12, "each result reported once"
        lms.leave()
        data = lms.data()
        lms.assert_clean()

    again = Lms(
        browser, lms_url, edition, "assessment", cmi=learner(lms_url, edition, "assessment", **resumed(data, v2004))
    )
    with again:
        assert again.frame.locator(".rk-quiz-feedback:has(.rk-quiz-verdict)").count() == 12
        assert again.frame.locator(".rk-quiz-results").is_visible()
        assert [c for c in again.record()["calls"] if c[0].startswith("cmi.interactions.")] == [], "reported once"
        again.assert_clean()


def test_a_saved_submitted_flag_beside_blank_behaviours_reveals_nothing(browser, lms_url, catalog):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    first = "0123456789abcdefghijklmnopqrstuvwxyz"[fw.level_index(quiz.items[0].reference) * 2 + 1]
    suspend = json.dumps({"v": 1, "r": first + "-" * 11, "o": [], "s": 1})
    lms = Lms(browser, lms_url, "2004", "assessment", cmi=learner(lms_url, "2004", "assessment", suspend_data=suspend))
    with lms:
        frame = lms.frame
        assert frame.locator(".rk-quiz-feedback:has(.rk-quiz-verdict)").count() == 0
        assert frame.locator(".rk-quiz-results").is_hidden() and frame.locator(".rk-quiz-submit").is_visible()
        assert frame.locator(".rk-quiz input[type=radio]:disabled").count() == 0
        assert frame.locator(".rk-quiz input[type=radio]:checked").count() == 1
        assert "Reference level" not in frame.locator("main").inner_text()
        assert interactions(lms.data()) == [] and status_of(lms.data(), True) == ("incomplete", "unknown")
        lms.assert_clean()


# ----------------------------------------------------------------------------- without an LMS, and accessibility


def test_the_page_on_its_own_says_results_are_not_recorded_and_works_as_practice(browser, lms_url, tmp_path, catalog):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    words = "This page is not connected to a learning management system (LMS), so it works as practice only: your results are not recorded."
    # Served on its own, and opened from a disk (the zip unpacked and the file double-clicked).
    folder = tmp_path / "unpacked"
    folder.mkdir()
    for name in ("index.html", "rk-start.js", "rk-scorm.js", "rk-quiz.js", "rk.css", "rk-quiz.css", "rk-scorm.css"):
        with urllib.request.urlopen(f"{lms_url}{package_dir('2004')}/{name}") as response:
            (folder / name).write_bytes(response.read())
    for address in (f"{lms_url}{package_dir('1.2')}/index.html", folder.joinpath("index.html").as_uri()):
        context = browser.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(address)
        page.wait_for_selector("[data-rk-ready]")
        assert page.locator(".rk-scorm-status").inner_text() == words
        assert page.get_by_role("button", name="Start over").is_visible()
        item, level = quiz.items[0], fw.scale[0]
        page.keyboard.press("Tab")
        for _ in range(80):
            if page.evaluate(f"document.activeElement && document.activeElement.name === 'rk-q-{item.id}'"):
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert level.id != item.reference
        assert "Not the reference" in page.locator(f"#item-{item.id} .rk-quiz-feedback").inner_text()
        page.reload()
        assert page.locator(f"input[name='rk-q-{item.id}']:checked").get_attribute("value") == level.id
        assert errors == []
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("mode", ["practice", "assessment"])
def test_the_package_page_passes_axe_in_the_lms_before_and_after_answering(browser, lms_url, catalog, scheme, mode):
    quiz = catalog.quizzes[QUIZ_ID]
    fw = catalog.frameworks[quiz.framework]
    lms = Lms(browser, lms_url, "1.2", mode, cmi=learner(lms_url, "1.2", mode))
    with lms:
        lms.page.emulate_media(color_scheme=scheme)
        results = Axe().run(lms.frame)
        assert results.violations_count == 0, results.generate_report()
        positions = plan(catalog, "failing")
        for item, position in zip(quiz.items, positions):
            lms.frame.locator(f"label[for='rk-q-{item.id}-{fw.scale[position].id}']").click()
            if mode == "practice":
                lms.frame.locator(f"#item-{item.id} .rk-quiz-check").click()
        if mode == "practice":
            lms.frame.get_by_role("button", name="Show my results").click()
        else:
            lms.frame.get_by_role("button", name="Submit my ratings").click()
        assert lms.frame.locator(".rk-quiz-diff").count() >= 1, "no miss was shown"
        lms.frame.get_by_role("button", name="Download CSV").click()  # the "enter your name" message
        results = Axe().run(lms.frame)
        assert results.violations_count == 0, results.generate_report()
