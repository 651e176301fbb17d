"""The live server's pages without a browser: the join and sign-in forms as a user posts them,
who is sent where, the cookies they set, plain-sentence errors that keep what was typed, text
that stays text, and the console's statistics worded by raterkit.words.

In-process: FastAPI's TestClient over a fresh database per test, on each back-end (conftest's
``live_db``: a SQLite file, and a new PostgreSQL database).
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from raterkit import words
from raterkit.live.api import REPORT_CSP
from raterkit.live.app import create_app
from raterkit.live.auth import FACILITATOR_COOKIE
from raterkit.live.pages import console_words, short
from support import LIVE_KEY

QUIZ_ID = "cp1-customer-relations"
KEY = {"Authorization": f"Bearer {LIVE_KEY}"}
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def app(catalog, live_db):
    app = create_app(catalog, live_db, LIVE_KEY)
    yield app
    app.state.room.store.close()


@pytest.fixture
def client(app):
    return TestClient(app)


def new_session(client, items=None, mode="reference") -> str:
    body = {"quiz": QUIZ_ID, "mode": mode, **({"items": items} if items else {})}
    response = client.post("/api/v1/sessions", json=body, headers=KEY)
    assert response.status_code == 201, response.text
    return response.json()["code"]


def signed_in(app) -> TestClient:
    console = TestClient(app)
    response = console.post("/console/login", data={"key": LIVE_KEY}, follow_redirects=False)
    assert response.status_code == 303
    return console


def page_data(text: str) -> dict:
    """The JSON a page's script starts from (escaped text in <template id="rk-data">)."""
    found = re.search(r'<template id="rk-data">(.*?)</template>', text, re.S)
    assert found, "no page data"
    return json.loads(html.unescape(found.group(1)))


def alert_text(text: str) -> str:
    found = re.search(r'role="alert">(.*?)</p>', text, re.S)
    assert found, "no message on the form"
    return html.unescape(found.group(1))


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_safe_page(text: str) -> None:
    """No inline script, style attribute or handler (the server's CSP would refuse them), and no
    element made from data (a name or a quiz text holding markup stays text)."""
    assert text.startswith('<!doctype html>\n<html lang="en">')
    tags = Tags(text).tags
    for tag, attrs in tags:
        assert tag != "script" or attrs.get("src", "").startswith("/assets/"), "inline script"
        assert "style" not in attrs, f"style attribute on <{tag}>"
        assert not [name for name in attrs if name.startswith("on")], f"event handler on <{tag}>"
    assert not [attrs for tag, attrs in tags if tag == "img" and attrs.get("src") == "x"]


# --------------------------------------------------------------------------------------------
# Joining


def test_join_form_looks_the_same_for_any_code(client, app):
    code = new_session(client)
    known = client.get(f"/join/{code}")
    unknown = client.get("/join/ZZZZZZ")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(code, "CODE") == unknown.text.replace("ZZZZZZ", "CODE")
    for n in range(app.state.auth.failed_joins.limit + 1):  # looking is not a wrong code; only posting one is
        client.get(f"/join/WRONG{n}")
    assert client.post("/join", data={"code": code, "name": "Ann"}, follow_redirects=False).status_code == 303
    for page in (client.get("/"), known):
        assert_safe_page(page.text)
        assert 'for="rk-code"' in page.text and 'for="rk-name"' in page.text


def test_join_sets_the_cookie_and_opens_the_participant_page(client, app):
    code = new_session(client)
    response = client.post("/join", data={"code": f" {code.lower()} ", "name": HOSTILE}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/s/{code}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"rk_p_{code}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert (
        "secure" not in cookie.lower()
    )  # served over plain HTTP (a room's own network): a Secure cookie would never come back
    token = cookie.split(";", 1)[0].split("=", 1)[1]

    page = client.get(f"/s/{code}")
    assert page.status_code == 200
    assert_safe_page(page.text)
    assert html.escape(HOSTILE, quote=False) in page.text and HOSTILE not in page.text
    assert f'<meta name="rk-csrf" content="{app.state.auth.csrf(token)}">' in page.text
    assert f'data-code="{code}"' in page.text
    # The console hears of the newcomer.
    view = client.get(f"/api/v1/sessions/{code}", headers=KEY).json()
    assert [p["name"] for p in view["participants"]] == [HOSTILE]


def test_behind_https_every_cookie_is_secure(catalog, live_db):
    """With an HTTPS public address (the server behind a TLS proxy), the participant's and the
    console's cookies, and the console's sign-out, are marked Secure: a browser never sends them
    over plain HTTP."""
    app = create_app(catalog, live_db, LIVE_KEY, public_url="https://rooms.example.org")
    try:
        client = TestClient(app, base_url="https://rooms.example.org")
        code = new_session(client)
        joined = client.post("/join", data={"code": code, "name": "Ann"}, follow_redirects=False)
        api_join = client.post(f"/api/v1/sessions/{code}/participants", json={"name": "Bo"})
        signed = client.post("/console/login", data={"key": LIVE_KEY}, follow_redirects=False)
        out = client.post("/console/logout", follow_redirects=False)
        for response in (joined, api_join, signed, out):
            assert response.status_code in (201, 303), response.text
            attributes = {a.strip().lower() for a in response.headers["set-cookie"].split(";")[1:]}
            assert {"secure", "httponly", "samesite=strict", "path=/"} <= attributes, attributes
    finally:
        app.state.room.store.close()


def test_join_errors_are_plain_and_keep_what_was_typed(client, app):
    code = new_session(client)
    assert client.post("/join", data={"code": code, "name": "Ann"}, follow_redirects=False).status_code == 303
    other = TestClient(app)
    taken = other.post("/join", data={"code": code, "name": " ann "})
    assert taken.status_code == 409
    assert alert_text(taken.text) == "Someone in this session already uses that name. Add an initial."
    assert f'value="{code}"' in taken.text and 'value=" ann "' in taken.text
    assert 'aria-describedby="rk-join-error"' in taken.text

    empty = other.post("/join", data={"code": "", "name": "Bo"})
    assert empty.status_code == 422 and "session code" in alert_text(empty.text)
    nameless = other.post("/join", data={"code": code, "name": "  "})
    assert nameless.status_code == 422 and "name" in alert_text(nameless.text)

    hostile = other.post("/join", data={"code": HOSTILE, "name": HOSTILE})
    assert hostile.status_code == 404
    assert alert_text(hostile.text).startswith("There is no session with that code.")
    assert HOSTILE not in hostile.text
    assert_safe_page(hostile.text)


def test_wrong_codes_are_limited_on_the_form_as_in_the_api(client, app):
    limit = app.state.auth.failed_joins.limit
    for n in range(limit):
        assert client.post("/join", data={"code": f"WRONG{n}", "name": "Eve"}).status_code == 404
    code = new_session(client)
    refused = client.post("/join", data={"code": code, "name": "Eve"})
    assert refused.status_code == 429
    assert alert_text(refused.text).startswith("Too many wrong codes from this device.")
    # The API counts the same wrong codes.
    assert client.post(f"/api/v1/sessions/{code}/participants", json={"name": "Eve"}).status_code == 429


def test_a_form_posted_from_another_site_is_refused(client):
    code = new_session(client)
    response = client.post("/join", data={"code": code, "name": "Mallory"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "another web site" in alert_text(response.text)


def test_pages_send_their_origin_with_the_forms(client):
    """The server's no-referrer would make a browser post forms with Origin: null (refused)."""
    for path in ("/", "/join/ABC", "/console"):
        assert client.get(path).headers["referrer-policy"] == "same-origin"


def test_participant_page_without_a_place_goes_to_the_join_form(client, app):
    code = new_session(client)
    stranger = TestClient(app)
    response = stranger.get(f"/s/{code}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/join/{code}"
    # A place in another session does not open this one.
    second = new_session(client)
    stranger.post("/join", data={"code": second, "name": "Ann"})
    stranger.cookies.set(f"rk_p_{code}", stranger.cookies.get(f"rk_p_{second}"))
    response = stranger.get(f"/s/{code}", follow_redirects=False)
    assert response.headers["location"] == f"/join/{code}"
    odd = stranger.get("/s/%3Cb%3E", follow_redirects=False)
    assert odd.headers["location"] == "/join/%3CB%3E"


def test_participant_page_holds_no_key_even_after_the_reveal(client, app, catalog):
    """The items reach the page from GET .../state (where the room's view decides what shows)."""
    code = new_session(client, items=["cp1-01", "cp1-02"])
    trainee = TestClient(app)
    trainee.post("/join", data={"code": code, "name": "Ann"})
    client.post(f"/api/v1/sessions/{code}/items/cp1-01/reveal", headers=KEY)
    page = trainee.get(f"/s/{code}").text
    item = next(i for i in catalog.quizzes[QUIZ_ID].items if i.id == "cp1-01")
    assert "<template" not in page and "reference" not in page.lower()
    assert html.escape(item.rationale[:40], quote=False) not in page and item.behaviour[:40] not in page
    state = trainee.get(f"/api/v1/sessions/{code}/state").json()
    assert [(i["id"], i["reference"]) for i in state["items"]] == [("cp1-01", item.reference)]


# --------------------------------------------------------------------------------------------
# The console


def test_console_sign_in(client, app):
    page = client.get("/console")
    assert page.status_code == 200 and 'type="password"' in page.text
    assert_safe_page(page.text)
    wrong = client.post("/console/login", data={"key": "not-the-key"})
    assert wrong.status_code == 401
    assert alert_text(wrong.text).startswith("That is not the facilitator key.")
    assert FACILITATOR_COOKIE not in client.cookies

    right = client.post("/console/login", data={"key": LIVE_KEY}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/console"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith(f"{FACILITATOR_COOKIE}={app.state.auth.console_cookie()};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    listing = client.get("/console")
    assert "Start a new session" in listing.text and 'name="csrf"' in listing.text
    assert_safe_page(listing.text)

    out = client.post("/console/logout", follow_redirects=False)
    assert out.status_code == 303 and FACILITATOR_COOKIE not in client.cookies
    assert 'type="password"' in client.get("/console").text


def test_wrong_keys_are_limited(client, app):
    for _ in range(app.state.auth.failed_joins.limit - 1):
        client.post("/console/login", data={"key": "guess"})
    assert client.post("/join", data={"code": "WRONG1", "name": "Eve"}).status_code == 404  # one count for both
    refused = client.post("/console/login", data={"key": LIVE_KEY}, follow_redirects=False)
    assert refused.status_code == 429 and FACILITATOR_COOKIE not in client.cookies
    assert alert_text(refused.text).startswith("Too many wrong keys or codes from this device.")


def test_form_addresses_opened_directly_go_to_their_form(client):
    assert client.get("/join", follow_redirects=False).headers["location"] == "/"
    assert client.get("/console/login", follow_redirects=False).headers["location"] == "/console"


def test_console_lists_sessions_and_creates_one(client, app):
    code = new_session(client)
    console = signed_in(app)
    listing = console.get("/console").text
    assert f'href="/console/{code}"' in listing
    csrf = re.search(r'name="csrf" value="([^"]+)"', listing).group(1)
    assert csrf == app.state.auth.csrf(app.state.auth.console_cookie())
    form = {
        "csrf": csrf,
        "quiz": QUIZ_ID,
        "items": ["cp1-03", "cp1-01", "cp3-01"],  # a box of another quiz's list is left out
        "mode": "consensus",
        "pace": "self",
    }
    created = console.post("/console/sessions", data=form, follow_redirects=False)
    assert created.status_code == 303
    new = created.headers["location"].rsplit("/", 1)[1]
    view = client.get(f"/api/v1/sessions/{new}", headers=KEY).json()
    assert [i["id"] for i in view["items"]] == ["cp1-01", "cp1-03"]
    assert view["mode"] == "consensus" and view["pace"] == "self"
    assert {i["state"] for i in view["items"]} == {"open"}

    none = console.post("/console/sessions", data={**form, "items": ["cp3-01"]})
    assert none.status_code == 422 and alert_text(none.text) == "Tick at least one behaviour for the session to rate."
    assert 'id="rk-mode-consensus" name="mode" value="consensus" checked' in none.text

    forged = console.post("/console/sessions", data={**form, "csrf": "forged"})
    assert forged.status_code == 403 and "expired" in forged.text
    nobody = TestClient(app).post("/console/sessions", data=form)
    assert nobody.status_code == 401 and 'type="password"' in nobody.text


def test_session_console_page(client, app):
    code = new_session(client, items=["cp1-01", "cp1-02"])
    assert client.get(f"/console/{code}", follow_redirects=False).headers["location"] == "/console"
    client.post(f"/api/v1/sessions/{code}/participants", json={"name": HOSTILE})
    console = signed_in(app)
    page = console.get(f"/console/{code}")
    assert page.status_code == 200
    assert_safe_page(page.text)
    assert f'<img class="rk-qr" src="/api/v1/sessions/{code}/qr.svg" alt="QR code: join at ' in page.text
    assert f'<meta name="rk-csrf" content="{app.state.auth.csrf(app.state.auth.console_cookie())}">' in page.text
    data = page_data(page.text)
    assert data["view"]["participants"] == [{"name": HOSTILE, "rated": 0}]
    assert data["words"] == {"revision": data["view"]["revision"], "stats": None, "change": None}
    assert HOSTILE not in page.text

    missing = console.get("/console/NOSUCH")
    assert missing.status_code == 404 and "There is no session with that code." in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    assert TestClient(app).get(f"/console/{code}/words").status_code == 401


def test_report_link_answers_in_plain_words(client, app):
    code = new_session(client, items=["cp1-01"])
    console = signed_in(app)
    early = console.get(f"/console/{code}/report")
    assert early.status_code == 409 and early.headers["content-type"].startswith("text/html")
    assert "Nobody has rated yet" in early.text
    token = client.post(f"/api/v1/sessions/{code}/participants", json={"name": "Ann"}).json()["token"]
    client.post(f"/api/v1/sessions/{code}/items/cp1-01/open", headers=KEY)
    client.put(
        f"/api/v1/sessions/{code}/items/cp1-01/rating",
        json={"rating": "II"},
        headers={"Authorization": f"Bearer {token}"},
    )
    report = console.get(f"/console/{code}/report")
    assert report.status_code == 200 and report.headers["content-security-policy"] == REPORT_CSP


def _run_round(client, code, tokens, levels, items):
    for item in items:
        client.post(f"/api/v1/sessions/{code}/items/{item}/open", headers=KEY)
        for token, level in zip(tokens, levels):
            client.put(
                f"/api/v1/sessions/{code}/items/{item}/rating",
                json={"rating": level},
                headers={"Authorization": f"Bearer {token}"},
            )
        client.post(f"/api/v1/sessions/{code}/items/{item}/close", headers=KEY)


def test_console_statistics_are_worded_by_raterkit_words(client, app):
    items = ["cp1-01", "cp1-03"]  # references III and IV
    code = new_session(client, items=items)
    tokens = [
        client.post(f"/api/v1/sessions/{code}/participants", json={"name": name}).json()["token"]
        for name in ("Ann", "Bo", "Cy")
    ]
    _run_round(client, code, tokens, ("II", "III", "IV"), items)
    client.post(f"/api/v1/sessions/{code}/rounds", headers=KEY)
    _run_round(client, code, tokens, ("III", "III", "IV"), items)
    view = client.get(f"/api/v1/sessions/{code}", headers=KEY).json()
    said = console_words(view)
    assert said == signed_in(app).get(f"/console/{code}/words").json()
    stats, change = view["stats"], view["change"]
    assert said["stats"]["alpha"] == words.alpha_text(stats["alpha"])
    assert said["stats"]["exact"] == words.percent(stats["exact"])
    assert [r["bias"] for r in said["stats"]["raters"]] == [words.bias_words(r["bias"]) for r in stats["per_rater"]]
    assert said["stats"]["scope"] == "Over 2 closed behaviours and 3 raters."
    assert said["change"]["change"] == words.signed(change["alpha"]["change"])
    assert [r["bias_before"] for r in said["change"]["raters"]] == [
        words.bias_words(r["bias_before"]) for r in change["per_rater"]
    ]


def test_short_behaviour_text():
    assert short("A short one.") == "A short one."
    long = "word " * 60
    assert short(long, 30).endswith("…") and len(short(long, 30)) <= 31


def test_scripts_write_text_never_markup():
    assets = files("raterkit.live") / "assets"
    scripts = [p for p in assets.iterdir() if p.name.endswith(".js")]
    assert {p.name for p in scripts} == {"rk-live.js", "rk-live-participant.js", "rk-live-console.js"}
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert risky not in source, f"{script.name} uses {risky}"


def test_assets_are_served(client):
    for name in ("rk-live.js", "rk-live-participant.js", "rk-live-console.js", "rk-live.css"):
        response = client.get(f"/assets/{name}")
        assert response.status_code == 200, name


def test_a_wrong_address_is_a_plain_page_for_a_browser_and_json_for_scripts(client):
    page = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is nothing at this address." in page.text
    assert_safe_page(page.text)
    wrong_method = client.delete("/", headers={"Accept": "text/html"})
    assert wrong_method.status_code == 405 and "does not accept" in wrong_method.text
    script = client.get("/api/v1/no-such-call", headers={"Accept": "text/html"})
    assert script.status_code == 404 and script.json() == {"error": "There is nothing at this address."}
