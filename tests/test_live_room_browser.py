"""A whole live workshop in Chromium, through the pages alone: one trainer and three trainees (one on
a phone), each in a browser context of their own, through two rounds of four behaviours.

The trainer signs in and creates the session with the console's form; the trainees join with the
code read off the console; every rating is a click on a radio button; the trainer opens, closes and
reveals with the console's buttons, starts round 2, downloads the CSV files and opens the report
through the console's links. The JSON API and the files are read only to check what the pages did:
the CSV rows are the levels the trainees clicked, and ``raterkit agreement`` on those files gives the
alpha the console showed."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sse_starlette.sse import AppStatus

from raterkit.cli import main
from raterkit.library import summarize_responses
from raterkit.live.app import create_app
from raterkit.responses import read_responses
from raterkit.words import alpha_text, percent
from support import FRAMEWORKS, LIVE_KEY, serve_live, watched
from support import QUIZ as QUIZ_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUIZ = "cp1-customer-relations"
CHOSEN = ["cp1-01", "cp1-02", "cp1-03", "cp1-04"]  # references III, I, IV, II
PEOPLE = ["Ann", "Bo", "Cy"]  # in the order they join (the console lists raters in that order)
PHONE = "Cy"
#: What each trainee clicks. Round 1 misses the reference in both directions; round 2 is closer.
ROUND1 = {
    "Ann": {"cp1-01": "III", "cp1-02": "II", "cp1-03": "IV", "cp1-04": "I"},
    "Bo": {"cp1-01": "II", "cp1-02": "I", "cp1-03": "III", "cp1-04": "II"},
    "Cy": {"cp1-01": "IV", "cp1-02": "I", "cp1-03": "IV", "cp1-04": "III"},
}
ROUND2 = {
    "Ann": {"cp1-01": "III", "cp1-02": "I", "cp1-03": "IV", "cp1-04": "II"},
    "Bo": {"cp1-01": "III", "cp1-02": "I", "cp1-03": "III", "cp1-04": "II"},
    "Cy": {"cp1-01": "III", "cp1-02": "I", "cp1-03": "IV", "cp1-04": "II"},
}
ROUNDS = {1: ROUND1, 2: ROUND2}
SOON = 8000  # ms: how long a live update may take to reach another browser


# ------------------------------------------------------------------------------------------
# The server and the watched pages (as in test_live_browser.py)


def _stop(server, thread) -> None:
    # Open event streams would keep uvicorn waiting: let sse-starlette end them, then stop.
    AppStatus.should_exit = True
    server.should_exit = True
    thread.join(30)
    AppStatus.should_exit = False
    assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def live(catalog, live_db):
    """The server on each back-end (conftest's ``live_db``: SQLite, PostgreSQL)."""
    app = create_app(catalog, live_db, LIVE_KEY)
    url, server, thread = serve_live(app)
    yield url
    _stop(server, thread)
    app.state.room.store.close()


# ------------------------------------------------------------------------------------------
# What the pages should show, worked out from the quiz


def spread_of(ratings: dict[str, dict[str, str]], item: str, levels: list[str]) -> dict[str, int]:
    chosen = [by_item[item] for by_item in ratings.values()]
    return {level: chosen.count(level) for level in levels}


def console_item(console, item_id: str):
    return console.locator("#rk-items > li", has=console.locator(".rk-item-id", has_text=item_id))


def trainee_item(page, item):
    return page.locator("#rk-items > li", has=page.locator(".rk-behaviour", has_text=item.behaviour[:40]))


def rate_in_the_room(console, trainees, item, ratings, labels: dict[str, str]) -> None:
    """The trainer opens the behaviour; each trainee clicks a level; the console counts them by name only."""
    row = console_item(console, item.id)
    row.locator('button[data-focus="act-open"]').click()
    expect(row.locator(".rk-state-line")).to_contain_text("Open for rating. Rated by 0 of 3.")
    for k, name in enumerate(PEOPLE, start=1):
        mine = trainee_item(trainees[name], item)
        level = ratings[name][item.id]
        mine.locator(f'input[type=radio][value="{level}"]').check()
        expect(mine.locator(".rk-saved")).to_have_text(f"Saved: {labels[level]}.")
        expect(row.locator(".rk-state-line")).to_contain_text(
            f"Open for rating. Rated by {k} of 3: {', '.join(PEOPLE[:k])}.", timeout=SOON
        )
        shown = row.inner_text()
        assert not [label for label in labels.values() if label in shown], f"the console shows a level: {shown}"


def check_feedback(page, catalog, fw, item, yours: str, spread: dict[str, int], labels: dict[str, str]) -> None:
    """One trainee's revealed behaviour: the spread, the reference, why, the cited statements and,
    for a miss, their level and the reference side by side with the words that differ marked."""
    mine = trainee_item(page, item)
    reference = labels[item.reference]
    expect(mine.locator(".rk-reference")).to_have_text(f"Reference level: {reference}", timeout=SOON)
    expect(mine.locator("table.rk-spread tbody .rk-num")).to_have_text([str(n) for n in spread.values()])
    expect(mine.locator("table.rk-spread tbody th")).to_have_text(
        [labels[level] + (" (reference)" if level == item.reference else "") for level in spread]
    )
    expect(mine.locator(".rk-rationale")).to_have_text(" ".join(item.rationale.split()))
    cites = mine.locator(".rk-cites li")
    expect(cites).to_have_count(len(item.cites))
    texts = catalog.statement_texts()
    for n, address in enumerate(item.cites):
        expect(cites.nth(n)).to_contain_text(" ".join(fw.fill(texts[address]).split()))
        expect(cites.nth(n)).to_contain_text(labels[address.split("/")[2]])
    verdict = mine.locator(".rk-verdict")
    compared = mine.locator("table.rk-quiz-diff")
    if yours == item.reference:
        expect(verdict).to_have_text(f"✓ Your level: {labels[yours]}, the reference level.")
        expect(compared).to_have_count(0)
    else:
        expect(verdict).to_have_text(f"✗ Your level: {labels[yours]}; the reference level is {reference}.")
        expect(compared).to_have_count(1)
        expect(compared.locator("thead th")).to_have_text(
            ["Criterion", f"Your level: {labels[yours]}", f"Reference level: {reference}"]
        )
        assert compared.locator("tbody del, tbody ins").count() > 0, "the differing words are marked"


def console_alpha(console) -> str:
    return console.locator("#rk-stats .rk-figures dd").first.locator("strong").inner_text()


def download(console, link: str, path: Path) -> list[dict[str, str]]:
    with console.expect_download() as info:
        console.get_by_role("link", name=link, exact=True).click()
    assert info.value.suggested_filename.endswith(".csv")
    info.value.save_as(path)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def chosen_rows(rounds: list[int]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (name, item, level, str(number))
        for number in rounds
        for name, by_item in ROUNDS[number].items()
        for item, level in by_item.items()
    )


def agreement_alpha(path: Path, capsys) -> float:
    capsys.readouterr()
    assert main(["agreement", str(path), "--format", "json", "--data", str(FRAMEWORKS), str(QUIZ_DIR)]) == 0
    return json.loads(capsys.readouterr().out)["alpha"]["ordinal"]


# ------------------------------------------------------------------------------------------
# The workshop


def test_a_whole_room_through_two_rounds(browser, live, catalog, tmp_path, capsys):
    quiz = catalog.quizzes[QUIZ]
    fw = catalog.frameworks[quiz.framework]
    labels = {level.id: level.label for level in fw.scale}
    items = {item.id: item for item in quiz.items if item.id in CHOSEN}
    assert [items[i].reference for i in CHOSEN] == ["III", "I", "IV", "II"]
    trouble: list[str] = []
    contexts = []

    # The trainer signs in and creates the session with the console's form.
    console_context = browser.new_context(viewport={"width": 1280, "height": 900})
    contexts.append(console_context)
    console = watched(console_context, trouble, "console")
    console.goto(live + "/console")
    console.fill("#rk-key", LIVE_KEY)
    console.get_by_role("button", name="Sign in").click()
    console.select_option("#rk-quiz", QUIZ)
    boxes = console.locator(f'#rk-create fieldset[data-quiz="{QUIZ}"] input[type=checkbox]')
    expect(boxes).to_have_count(len(quiz.items))
    for n in range(boxes.count()):
        box = boxes.nth(n)
        if box.get_attribute("value") in CHOSEN:
            box.check()
        else:
            box.uncheck()
    console.check("#rk-mode-reference")
    console.check("#rk-pace-facilitator")
    console.get_by_role("button", name="Create the session").click()
    console.wait_for_url(re.compile(r"/console/[A-Z0-9]{6}$"))
    join_code = console.locator(".rk-join-code").text_content() or ""
    code = re.fullmatch(r"Join code: ([A-Z0-9]{6})", join_code.strip()).group(1)
    assert console.url.endswith(f"/console/{code}")
    expect(console.locator(".rk-meta")).to_contain_text("Round 1 · rated against the quiz's reference levels")
    expect(console.locator(".rk-meta")).to_contain_text("trainer-paced")
    expect(console.locator("#rk-items .rk-item-id")).to_have_text(CHOSEN)

    # Three trainees join from the front page with the code and their names.
    trainees = {}
    for name in PEOPLE:
        phone = name == PHONE
        context = browser.new_context(
            viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = watched(context, trouble, name)
        page.goto(live + "/")
        page.fill("#rk-code", code)
        page.fill("#rk-name", name)
        page.get_by_role("button", name="Join").click()
        page.wait_for_url(f"**/s/{code}")
        expect(page.locator(".rk-who .rk-name")).to_have_text(name)
        expect(page.locator("#rk-waiting")).to_contain_text("4 behaviours to come")
        trainees[name] = page
    expect(console.locator("#rk-people .rk-name")).to_have_text(PEOPLE, timeout=SOON)
    expect(console.locator("#rk-stats")).to_contain_text("The figures appear once a behaviour is closed")

    # Round 1: each behaviour opened, rated by all three, then closed and revealed (or revealed at once).
    for n, item_id in enumerate(CHOSEN):
        item = items[item_id]
        row = console_item(console, item_id)
        rate_in_the_room(console, trainees, item, ROUND1, labels)
        spread = spread_of(ROUND1, item_id, list(labels))
        if n % 2 == 0:
            row.locator('button[data-focus="act-close"]').click()
            expect(row.locator(".rk-state-line")).to_contain_text("Closed. Rated by 3 of 3: Ann, Bo, Cy.")
            for name, page in trainees.items():
                mine = trainee_item(page, item)
                expect(mine.locator(".rk-state-note")).to_have_text("Rating closed.", timeout=SOON)
                expect(mine).to_contain_text(f"Your level: {labels[ROUND1[name][item_id]]}.")
                expect(mine.locator("table.rk-spread, .rk-reference, .rk-rationale")).to_have_count(0)
            closed = n + 1  # the behaviours before it are revealed, and revealed counts as closed
            expect(console.locator("#rk-stats")).to_contain_text(
                f"Over {closed} closed behaviour{'s' if closed > 1 else ''} and 3 raters.", timeout=SOON
            )
        row.locator('button[data-focus="act-reveal"]').click()
        expect(row.locator(".rk-state-line")).to_contain_text("Revealed.")
        expect(row.locator(".rk-item-result")).to_contain_text(f"Reference level: {labels[item.reference]}.")
        expect(row.locator("table.rk-spread tbody .rk-num")).to_have_text([str(v) for v in spread.values()])
        for name, page in trainees.items():
            check_feedback(page, catalog, fw, item, ROUND1[name][item_id], spread, labels)
    phone = trainees[PHONE]
    expect(trainee_item(phone, items["cp1-01"]).locator("table.rk-quiz-diff")).to_have_count(1)
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390, "no sideways scroll on the phone"

    # The console's statistics over the four closed behaviours of round 1.
    stats = console.locator("#rk-stats")
    expect(stats).to_contain_text("Over 4 closed behaviours and 3 raters.", timeout=SOON)
    expect(stats.locator(".rk-figures")).to_contain_text("Krippendorff's alpha (ordinal)")
    expected_exact = {
        name: sum(level == items[i].reference for i, level in ROUND1[name].items()) / len(CHOSEN) for name in PEOPLE
    }
    rater_rows = stats.locator("table tbody tr")
    expect(rater_rows.locator("th")).to_have_text(PEOPLE)
    expect(rater_rows.locator("td:nth-child(3)")).to_have_text([percent(expected_exact[p]) for p in PEOPLE])
    shown_alpha_1 = console_alpha(console)

    # Round 2: the same behaviours in a new order, rated again and revealed all at once.
    console.get_by_role("button", name="Start round 2").click()
    expect(console.locator("#rk-round")).to_have_text("Round 2")
    expect(console.locator('#rk-items > li[data-state="waiting"]')).to_have_count(len(CHOSEN))
    order = console.locator("#rk-items .rk-item-id").all_inner_texts()
    assert sorted(order) == CHOSEN and order != CHOSEN, order
    expect(console.get_by_role("button", name="Start round 3")).to_be_visible()
    for page in trainees.values():
        expect(page.locator("#rk-round")).to_have_text("Round 2", timeout=SOON)
        expect(page.locator("#rk-connection")).to_contain_text("Round 2 has started")
        expect(page.locator("#rk-items > li")).to_have_count(0)
        expect(page.locator("#rk-waiting")).to_contain_text("4 behaviours to come")
    for n, item_id in enumerate(order):
        rate_in_the_room(console, trainees, items[item_id], ROUND2, labels)
        for page in trainees.values():  # the behaviours come in the new order
            expect(page.locator("#rk-items > li .rk-behaviour")).to_have_count(n + 1)
            expect(page.locator("#rk-items > li h2").nth(n)).to_have_text(f"Behaviour {n + 1}")
            expect(page.locator("#rk-items > li").nth(n)).to_contain_text(items[item_id].behaviour[:40])
    console.get_by_role("button", name="Reveal all").click()
    expect(console.locator('#rk-items > li[data-state="revealed"]')).to_have_count(len(CHOSEN))
    for item_id in order:
        spread = spread_of(ROUND2, item_id, list(labels))
        for name, page in trainees.items():
            check_feedback(page, catalog, fw, items[item_id], ROUND2[name][item_id], spread, labels)
    expect(stats).to_contain_text("Over 4 closed behaviours and 3 raters.", timeout=SOON)
    change = console.locator("#rk-change-section")
    expect(change).to_be_visible(timeout=SOON)
    expect(change.locator("h2")).to_have_text("Round 1 against this round")
    shown_alpha_2 = console_alpha(console)
    expect(change.locator("p").first).to_contain_text(
        f"Krippendorff's alpha was {shown_alpha_1} in round 1 and is {shown_alpha_2} now"
    )
    expect(change.locator("tbody th")).to_have_text(PEOPLE)

    # The downloads: each round's file and every round's, as the trainees clicked them.
    every = download(console, "Download ratings (CSV), every round", tmp_path / "every.csv")
    first = download(console, "Download round 1 ratings (CSV)", tmp_path / "round1.csv")
    second = download(console, "Download round 2 ratings (CSV)", tmp_path / "round2.csv")
    for rows, rounds in ((every, [1, 2]), (first, [1]), (second, [2])):
        assert sorted((r["rater"], r["item"], r["rating"], r["round"]) for r in rows) == chosen_rows(rounds)
        assert {r["quiz"] for r in rows} == {QUIZ}

    # raterkit agreement on the downloaded files gives the alphas the console showed.
    alphas = {}
    for number, path in ((1, tmp_path / "round1.csv"), (2, tmp_path / "round2.csv")):
        alpha = agreement_alpha(path, capsys)
        responses = read_responses([path], catalog, QUIZ)
        assert responses.problems == [] and responses.kept == len(PEOPLE) * len(CHOSEN)
        assert summarize_responses(responses, quiz)["alpha"]["ordinal"] == pytest.approx(alpha)
        alphas[number] = alpha
    assert alpha_text(alphas[1]) == shown_alpha_1
    assert alpha_text(alphas[2]) == shown_alpha_2
    assert float(shown_alpha_2.replace("−", "-")) == pytest.approx(alphas[2], abs=0.005)
    assert alphas[2] > alphas[1], "closer to the reference in round 2"
    rose = f"Agreement rose from {alpha_text(alphas[1])} to {alpha_text(alphas[2])} after discussion."

    output = tmp_path / "report.html"
    argv = ["report", str(tmp_path / "round2.csv"), "--before", str(tmp_path / "round1.csv"), "-o", str(output)]
    assert main([*argv, "--data", str(FRAMEWORKS), str(QUIZ_DIR)]) == 0, capsys.readouterr().err
    assert rose in output.read_text(encoding="utf-8")

    # The workshop report, opened from the console's link: the quiz, and round 1 against round 2.
    with console.expect_response(lambda r: r.url.endswith(f"/console/{code}/report")) as answer:
        console.get_by_role("link", name="Workshop report", exact=True).click()
    assert answer.value.status == 200
    report = answer.value.text()
    assert html.escape(quiz.title, quote=False) in report
    assert 'id="alpha-change-title"' in report and '<th scope="col">Before the discussion</th>' in report
    assert rose in report
    expect(console).to_have_title(re.compile(re.escape(quiz.title)))

    for context in contexts:
        context.close()
    assert trouble == []
