"""The live server's pages in Chromium: accessible (axe, WCAG 2.2 AA), usable with the keyboard
alone, hostile names shown as text, live updates between the console and the trainees, and a
participant page that catches up by itself after the server restarts."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.request

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sse_starlette.sse import AppStatus

from raterkit.live.app import create_app
from support import LIVE_KEY, serve_live, wait_until_up
from support import watched as record_trouble

pytestmark = pytest.mark.browser

QUIZ = "cp1-customer-relations"
HOSTILE = ["<img src=x onerror=alert(1)>", '"><script>alert(2)</script>']
SOON = 8000  # ms: how long a live update may take to show


# ------------------------------------------------------------------------------------------
# The server, once per module and back-end (conftest's ``live_db_module``: SQLite, PostgreSQL); the
# reconnect test replaces it with a new one on the same database and port


def _stop(server, thread) -> None:
    # Open event streams would keep uvicorn waiting: let sse-starlette end them, then stop.
    AppStatus.should_exit = True
    server.should_exit = True
    thread.join(30)
    AppStatus.should_exit = False
    assert not thread.is_alive(), "the live server did not stop"


def _serve_on(app, port: int):
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until_up(f"http://127.0.0.1:{port}/openapi.json")
    return server, thread


@pytest.fixture(scope="module")
def live(catalog, live_db_module):
    app = create_app(catalog, live_db_module, LIVE_KEY)
    url, server, thread = serve_live(app)
    state = {"url": url, "db": live_db_module, "server": server, "thread": thread, "app": app}
    yield state
    _stop(state["server"], state["thread"])
    state["app"].state.room.store.close()


def api(live, method: str, path: str, body=None, token: str = LIVE_KEY):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        live["url"] + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if data else {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return json.loads(text) if response.headers.get_content_type() == "application/json" else text


def new_session(live, items=("cp1-01", "cp1-02", "cp1-03"), mode="reference") -> str:
    return api(live, "POST", "/api/v1/sessions", {"quiz": QUIZ, "items": list(items), "mode": mode})["code"]


def act(live, code: str, item: str, action: str) -> dict:
    return api(live, "POST", f"/api/v1/sessions/{code}/items/{item}/{action}")


def trainee(live, code: str, name: str) -> str:
    return api(live, "POST", f"/api/v1/sessions/{code}/participants", {"name": name}, token="")["token"]


def rate(live, code: str, token: str, item: str, level: str) -> None:
    api(live, "PUT", f"/api/v1/sessions/{code}/items/{item}/rating", {"rating": level}, token=token)


def ratings(live, code: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(api(live, "GET", f"/api/v1/sessions/{code}/ratings.csv"))))


# ------------------------------------------------------------------------------------------
# Pages in the browser


def watched(context):
    """A page that records dialogs, script errors and refused content (CSP) as they happen: (page, trouble)."""
    trouble: list[str] = []
    return record_trouble(context, trouble), trouble


def join_in_browser(page, live, code: str, name: str) -> None:
    page.goto(f"{live['url']}/join/{code}")
    page.fill("#rk-name", name)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/s/{code}")
    page.wait_for_selector("#rk-items[data-round]", state="attached")  # the script has drawn the round


def sign_in(page, live) -> None:
    page.goto(live["url"] + "/console")
    page.fill("#rk-key", LIVE_KEY)
    page.click("button[type=submit]")
    page.wait_for_selector("#rk-create")


def no_axe_violations(page, what: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def test_every_page_passes_axe(browser, live):
    code = new_session(live)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page, trouble = watched(context)
    for path in ("/", f"/join/{code}", "/console"):
        page.goto(live["url"] + path)
        no_axe_violations(page, path)

    # A trainee in the browser and two by the API: one behaviour open, one closed, one revealed.
    others = [trainee(live, code, name) for name in ("Bo", "Cy")]
    act(live, code, "cp1-01", "open")
    join_in_browser(page, live, code, "Ann")
    for index, item in ((1, "cp1-02"), (2, "cp1-03")):
        act(live, code, item, "open")
        page.locator(".rk-item").nth(index).locator("input[type=radio]").first.check()  # Level I
        for token, level in zip(others, ("II", "III")):
            rate(live, code, token, item, level)
    expect(page.locator(".rk-saved", has_text="Saved")).to_have_count(2)
    act(live, code, "cp1-02", "close")
    act(live, code, "cp1-03", "reveal")
    expect(page.locator("table.rk-quiz-diff")).to_have_count(1, timeout=SOON)  # Level I against the reference
    expect(page.locator(".rk-item", has_text="Rating closed")).to_have_count(1)
    expect(page.locator("fieldset.rk-rate")).to_have_count(1)
    assert page.locator("table.rk-quiz-diff del, table.rk-quiz-diff ins").count() > 0
    no_axe_violations(page, "participant page")

    context.set_default_timeout(10000)
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    expect(page.locator("table.rk-quiz-diff")).to_have_count(1)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    no_axe_violations(page, "participant page at 390 px")

    console_context = browser.new_context(viewport={"width": 1280, "height": 900})
    console, console_trouble = watched(console_context)
    sign_in(console, live)
    no_axe_violations(console, "console, signed in")
    console.goto(f"{live['url']}/console/{code}")
    expect(console.locator(".rk-figures")).to_be_visible()
    expect(console.locator("#rk-people li")).to_have_count(3)
    no_axe_violations(console, "session console")
    console.set_viewport_size({"width": 390, "height": 800})
    assert console.evaluate("document.scrollingElement.scrollWidth") <= 390

    # Consensus mode in round 2: the agreed-level control and the change since round 1.
    second = new_session(live, items=("cp1-01", "cp1-02"), mode="consensus")
    tokens = [trainee(live, second, name) for name in ("Di", "Ed", "Flo")]
    for round_ in (1, 2):
        for item in ("cp1-01", "cp1-02"):
            act(live, second, item, "open")
            for token, level in zip(tokens, ("II", "III", "III") if round_ == 1 else ("III", "III", "III")):
                rate(live, second, token, item, level)
            act(live, second, item, "reveal")
            api(live, "PUT", f"/api/v1/sessions/{second}/items/{item}/consensus", {"level": "III"})
        if round_ == 1:
            api(live, "POST", f"/api/v1/sessions/{second}/rounds")
    console.set_viewport_size({"width": 1280, "height": 900})
    console.goto(f"{live['url']}/console/{second}")
    expect(console.locator("#rk-change-section")).to_be_visible()
    expect(console.locator("form.rk-consensus")).to_have_count(2)
    no_axe_violations(console, "consensus console, round 2")
    console.goto(live["url"] + "/console")
    console.click("button.rk-link-button")  # sign out
    expect(console.locator("#rk-key")).to_be_visible()
    no_axe_violations(console, "console, signed out")
    assert trouble == [] and console_trouble == []
    context.close()
    console_context.close()


def test_keyboard_alone_joins_and_rates(browser, live):
    code = new_session(live)
    act(live, code, "cp1-01", "open")
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page, trouble = watched(context)
    page.goto(live["url"] + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "rk-code"
    page.keyboard.type(code.lower())
    page.keyboard.press("Tab")
    page.keyboard.type("Kim")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/s/{code}")
    page.wait_for_selector("input[type=radio]")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    assert page.evaluate("document.activeElement.value") == "I"
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("status").filter(has_text="Saved: Level II.")).to_have_count(1)  # announced
    page.keyboard.press("ArrowRight")
    expect(page.locator(".rk-saved")).to_have_text("Saved: Level III.")
    assert [(r["rater"], r["item"], r["rating"]) for r in ratings(live, code)] == [("Kim", "cp1-01", "III")]
    assert trouble == []
    context.close()


def test_hostile_names_show_as_text(browser, live):
    code = new_session(live)
    act(live, code, "cp1-01", "open")
    contexts, pages, trouble = [], [], []
    for name in HOSTILE:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page, seen = watched(context)
        join_in_browser(page, live, code, name)
        expect(page.locator(".rk-who .rk-name")).to_have_text(name)
        page.locator("input[type=radio]").nth(1).check()
        expect(page.locator(".rk-saved")).to_have_text("Saved: Level II.")
        contexts.append(context)
        pages.append(page)
        trouble += seen
    console_context = browser.new_context(viewport={"width": 1280, "height": 900})
    console, seen = watched(console_context)
    sign_in(console, live)
    console.goto(f"{live['url']}/console/{code}")
    for name in HOSTILE:
        expect(console.locator("#rk-people .rk-name", has_text=name)).to_have_count(1)
    expect(console.locator(".rk-names").first).to_have_text(", ".join(HOSTILE))
    act(live, code, "cp1-01", "reveal")
    for page in pages:
        expect(page.locator(".rk-verdict")).to_be_visible(timeout=SOON)
    trouble += seen
    for page in [*pages, console]:
        assert page.locator("img[src=x]").count() == 0
        assert page.locator("main script").count() == 0
    assert trouble == []
    for context in [*contexts, console_context]:
        context.close()


def test_console_and_trainee_follow_each_other(browser, live):
    code = new_session(live)
    console_context = browser.new_context(viewport={"width": 1280, "height": 900})
    console, trouble = watched(console_context)
    sign_in(console, live)
    console.goto(f"{live['url']}/console/{code}")
    trainee_context = browser.new_context(viewport={"width": 390, "height": 800})
    page, seen = watched(trainee_context)
    join_in_browser(page, live, code, "Lee")
    expect(console.locator("#rk-people li")).to_have_count(1, timeout=SOON)
    expect(page.locator("#rk-waiting")).to_contain_text("3 behaviours to come")

    first = console.locator("#rk-items > li").first
    first.get_by_role("button", name="Open behaviour 1").click()
    expect(first.locator(".rk-state-line")).to_contain_text("Open for rating")
    expect(page.locator("input[type=radio]")).to_have_count(4, timeout=SOON)
    expect(first.locator(".rk-state-line")).to_contain_text("Rated by 0 of 1")
    page.locator("input[type=radio]").nth(3).check()
    expect(page.locator(".rk-saved")).to_have_text("Saved: Level IV.")
    expect(first.locator(".rk-state-line")).to_contain_text("Rated by 1 of 1: Lee", timeout=SOON)
    expect(console.locator("#rk-people li")).to_contain_text("rated 1 of 3")

    first.get_by_role("button", name="Reveal behaviour 1").click()
    expect(page.locator(".rk-reference")).to_contain_text("Reference level", timeout=SOON)
    expect(page.locator(".rk-verdict")).to_contain_text("Your level: Level IV")
    expect(first.locator("table.rk-spread")).to_contain_text("1 rating")
    assert trouble == [] and seen == []
    console_context.close()
    trainee_context.close()


def test_participant_page_catches_up_after_a_restart(browser, live, catalog):
    code = new_session(live)
    act(live, code, "cp1-01", "open")
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page, trouble = watched(context)
    join_in_browser(page, live, code, "Max")
    page.locator("input[type=radio]").nth(2).check()
    expect(page.locator(".rk-saved")).to_have_text("Saved: Level III.")
    page.evaluate("window.rkNotReloaded = true")

    port = int(live["url"].rsplit(":", 1)[1])
    _stop(live["server"], live["thread"])
    expect(page.locator("#rk-connection")).to_contain_text("lost", timeout=SOON)
    # While the page is cut off, the trainer reveals (through the new server's room, before it serves).
    live["app"].state.room.store.close()
    live["app"] = app = create_app(catalog, live["db"], LIVE_KEY)
    app.state.room.act(code, "cp1-01", "reveal")
    live["server"], live["thread"] = _serve_on(app, port)

    expect(page.locator(".rk-reference")).to_contain_text("Reference level", timeout=15000)
    expect(page.locator(".rk-verdict")).to_contain_text("Your level: Level III")
    expect(page.locator("#rk-connection")).to_have_text("Connected again.")
    assert page.evaluate("window.rkNotReloaded === true")
    assert trouble == []
    context.close()
