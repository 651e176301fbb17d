"""The live server's JSON API keeps its promises: each role does only its own operations, the key
stays hidden until the reveal, bad input gets a plain 4xx sentence, pages of other sites and
guessed join codes get nowhere, and a workshop run through the API gives the numbers the
command line gives from the same ratings.

In-process: FastAPI's TestClient over a fresh database per test, on each back-end (conftest's
``live_db``: a SQLite file, and a new PostgreSQL database).
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from raterkit.cli import main
from raterkit.live.app import create_app
from raterkit.live.room import CODE_ALPHABET
from raterkit.responses import read_responses
from support import FRAMEWORKS, LIVE_KEY, QUIZ, serve_live

QUIZ_ID = "cp1-customer-relations"
API = "/api/v1"
KEY = {"Authorization": f"Bearer {LIVE_KEY}"}

#: Every operation of the API, by role: a route added without its role fails the spec test.
FACILITATOR_OPERATIONS = {
    ("GET", "/api/v1/quizzes"),
    ("GET", "/api/v1/sessions"),
    ("POST", "/api/v1/sessions"),
    ("GET", "/api/v1/sessions/{code}"),
    ("POST", "/api/v1/sessions/{code}/items/{item}/{action}"),
    ("POST", "/api/v1/sessions/{code}/reveal"),
    ("PUT", "/api/v1/sessions/{code}/items/{item}/consensus"),
    ("POST", "/api/v1/sessions/{code}/rounds"),
    ("GET", "/api/v1/sessions/{code}/ratings.csv"),
    ("GET", "/api/v1/sessions/{code}/report"),
    ("GET", "/api/v1/sessions/{code}/qr.svg"),
    ("GET", "/api/v1/sessions/{code}/console-events"),
}
PARTICIPANT_OPERATIONS = {
    ("POST", "/api/v1/sessions/{code}/participants"),
    ("GET", "/api/v1/sessions/{code}/state"),
    ("PUT", "/api/v1/sessions/{code}/items/{item}/rating"),
    ("GET", "/api/v1/sessions/{code}/events"),
}
#: A valid body for each request schema of the spec (a new body schema must be added here).
VALID_BODIES: dict[str, dict[str, Any]] = {
    "NewSession": {"quiz": QUIZ_ID},
    "Level": {"level": "III"},
    "Rating": {"rating": "II"},
    "Join": {"name": "Newcomer"},
}
#: What a message for people must never hold.
JARGON = (
    "Traceback",
    "Exception",
    "value_error",
    "type_error",
    "pydantic",
    "extract fields",
    "dictionary",
    "There was an error",
    "{'",
    "'loc'",
)
#: What a participant must not see of an item before its reveal.
KEY_FIELDS = {"reference", "reference_label", "rationale", "cites", "spread", "diffs"}


class Client(TestClient):
    """One event loop for every request (an event stream waits on the loop it started in) and no
    cookie jar: each call says who it is with its own headers."""

    def send(self, request: Any, **kwargs: Any) -> Any:
        try:
            return super().send(request, **kwargs)
        finally:
            self.cookies.clear()


@pytest.fixture
def app(catalog, live_db):
    app = create_app(catalog, live_db, LIVE_KEY)
    yield app
    app.state.room.store.close()


@pytest.fixture
def client(app) -> Iterator[Client]:
    with Client(app) as c:
        yield c


# --------------------------------------------------------------------------------------------
# Helpers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cookie(code: str, token: str, csrf: str | None = None) -> dict[str, str]:
    headers = {"Cookie": f"rk_p_{code}={token}"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    return headers


def new_session(client: Client, **body: Any) -> dict[str, Any]:
    r = client.post(f"{API}/sessions", json={"quiz": QUIZ_ID, **body}, headers=KEY)
    assert r.status_code == 201, r.text
    return r.json()


def join(client: Client, code: str, name: str) -> dict[str, Any]:
    r = client.post(f"{API}/sessions/{code}/participants", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()


def act(client: Client, code: str, item: str, action: str) -> dict[str, Any]:
    r = client.post(f"{API}/sessions/{code}/items/{item}/{action}", headers=KEY)
    assert r.status_code == 200, r.text
    return r.json()


def rate(client: Client, code: str, token: str, item: str, level: str) -> None:
    r = client.put(f"{API}/sessions/{code}/items/{item}/rating", json={"rating": level}, headers=bearer(token))
    assert r.status_code == 200, r.text


def view(client: Client, code: str) -> dict[str, Any]:
    r = client.get(f"{API}/sessions/{code}", headers=KEY)
    assert r.status_code == 200, r.text
    return r.json()


def state(client: Client, code: str, token: str) -> dict[str, Any]:
    r = client.get(f"{API}/sessions/{code}/state", headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def call(client: Client, method: str, url: str, **kwargs: Any) -> tuple[int, str, bytes]:
    """Status, content type and body; of an event stream only its first event's data (streams never end)."""
    with client.stream(method, url, **kwargs) as r:
        kind = r.headers.get("content-type", "")
        if r.status_code == 200 and kind.startswith("text/event-stream"):
            for line in r.iter_lines():
                if line.startswith("data:"):
                    return r.status_code, kind, line[5:].strip().encode()
            raise AssertionError(f"{url}: the stream ended without an event")
        return r.status_code, kind, r.read()


def first_event(client: Client, url: str, headers: dict[str, str]) -> dict[str, Any]:
    status, kind, body = call(client, "GET", url, headers=headers)
    assert (status, kind.split(";")[0]) == (200, "text/event-stream"), body
    return json.loads(body)


def plain_error(r: Any, status: int) -> str:
    """Assert ``r`` is ``status`` with a plain ``{"error": sentence}``; the sentence."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    body = r.json()
    assert list(body) == ["error"] and isinstance(body["error"], str), body
    message = body["error"]
    assert message.endswith((".", "?", ")")) and " " in message, message
    for word in JARGON:
        assert word not in message, (word, message)
    return message


# --------------------------------------------------------------------------------------------
# 1. Roles


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, ops in spec["paths"].items() for method, op in ops.items()}


def test_every_operation_of_the_spec_belongs_to_one_role(client):
    ops = operations(client.get("/openapi.json").json())
    tagged = {
        name: {key for key, op in ops.items() if name in op.get("tags", [])} for name in ("facilitator", "participant")
    }
    assert tagged["facilitator"] == FACILITATOR_OPERATIONS
    assert tagged["participant"] == PARTICIPANT_OPERATIONS
    assert set(ops) == FACILITATOR_OPERATIONS | PARTICIPANT_OPERATIONS, "an operation without a role"


def valid_calls(spec: dict[str, Any], path: str, op: dict[str, Any], code: str) -> list[tuple[str, dict | None]]:
    """Every valid URL of an operation (each value of an enumerated path part) with a valid body."""
    urls = [path]
    for param in op.get("parameters", []):
        if param["in"] != "path":
            assert not param.get("required"), param
            continue
        name = param["name"]
        if name == "code":
            values = [code]
        elif name == "item":
            values = ["cp1-01"]
        else:
            values = param["schema"].get("enum")
            assert values, f"the test has no valid value for the path part {name!r}"
        urls = [u.replace("{" + name + "}", v) for u in urls for v in values]
    body = None
    if "requestBody" in op:
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert ref in VALID_BODIES, f"the test has no valid body for {ref}"
        body = VALID_BODIES[ref]
    return [(url, body) for url in urls]


def rated_consensus_session(client: Client) -> tuple[str, dict[str, Any]]:
    """A fresh consensus session where Ann has rated the first item: every trainer operation is valid on it."""
    code = new_session(client, mode="consensus", items=["cp1-01", "cp1-02", "cp1-03"])["code"]
    ann = join(client, code, "Ann")
    act(client, code, "cp1-01", "open")
    rate(client, code, ann["token"], "cp1-01", "II")
    return code, ann


def test_each_trainer_operation_refuses_nobody_and_participants_and_works_with_the_key(client):
    spec = client.get("/openapi.json").json()
    checked = 0
    for (method, path), op in operations(spec).items():
        if "facilitator" not in op.get("tags", []):
            continue
        code, ann = rated_consensus_session(client)
        for url, body in valid_calls(spec, path, op, code):
            where = f"{method} {url}"
            assert call(client, method, url, json=body)[0] == 401, f"{where} anonymously"
            assert call(client, method, url, json=body, headers=bearer(ann["token"]))[0] == 403, f"{where} by token"
            status, _, text = call(client, method, url, json=body, headers=cookie(code, ann["token"], ann["csrf"]))
            assert status == 403, f"{where} by a participant's cookie: {status} {text[:200]!r}"
            status, _, text = call(client, method, url, json=body, headers=KEY)
            assert 200 <= status < 300, f"{where} with the key: {status} {text[:300]!r}"
            checked += 1
    assert checked >= len(FACILITATOR_OPERATIONS) + 2  # open, close and reveal are three calls


def test_each_participant_operation_refuses_nobody_and_the_trainer(client):
    spec = client.get("/openapi.json").json()
    code = new_session(client, pace="self")["code"]
    for (method, path), op in operations(spec).items():
        if "participant" not in op.get("tags", []) or path.endswith("/participants"):
            continue
        for url, body in valid_calls(spec, path, op, code):
            r = call(client, method, url, json=body)
            assert r[0] == 401, f"{method} {url} anonymously: {r}"
            r = call(client, method, url, json=body, headers=KEY)
            assert r[0] == 403, f"{method} {url} with the facilitator key: {r}"


def test_the_trainer_cannot_rate(client):
    code = new_session(client, pace="self")["code"]
    r = client.put(f"{API}/sessions/{code}/items/cp1-01/rating", json={"rating": "II"}, headers=KEY)
    assert "trainer" in plain_error(r, 403)


def test_a_participant_rates_only_as_themselves(client):
    code = new_session(client, pace="self")["code"]
    ann, bo = join(client, code, "Ann"), join(client, code, "Bo")
    body = {"rating": "IV", "rater": "Bo", "name": "Bo", "participant": 2, "participant_id": 2}
    r = client.put(f"{API}/sessions/{code}/items/cp1-01/rating", json=body, headers=bearer(ann["token"]))
    assert r.status_code == 200 and r.json() == {"item": "cp1-01", "rating": "IV", "round": 1}
    assert state(client, code, ann["token"])["mine"] == {"cp1-01": "IV"}
    assert state(client, code, bo["token"])["mine"] == {}
    item = next(i for i in view(client, code)["items"] if i["id"] == "cp1-01")
    assert item["raters"] == ["Ann"] and item["rated"] == 1
    csv_text = client.get(f"{API}/sessions/{code}/ratings.csv", headers=KEY).text
    assert [line.split(",")[:3] for line in csv_text.splitlines()[1:]] == [["Ann", "cp1-01", "IV"]]


def test_a_token_of_one_session_opens_nothing_in_another(client):
    a = new_session(client, pace="self")["code"]
    b = new_session(client, pace="self")["code"]
    ann = join(client, a, "Ann")
    for r in (
        client.get(f"{API}/sessions/{b}/state", headers=bearer(ann["token"])),
        client.put(f"{API}/sessions/{b}/items/cp1-01/rating", json={"rating": "II"}, headers=bearer(ann["token"])),
        client.get(f"{API}/sessions/{b}/state", headers=cookie(b, ann["token"])),
        client.put(
            f"{API}/sessions/{b}/items/cp1-01/rating",
            json={"rating": "II"},
            headers=cookie(b, ann["token"], ann["csrf"]),
        ),
    ):
        plain_error(r, 403)
    assert call(client, "GET", f"{API}/sessions/{b}/events", headers=bearer(ann["token"]))[0] == 403
    assert view(client, b)["items"][0]["rated"] == 0


# --------------------------------------------------------------------------------------------
# 2. The key stays hidden until the reveal


def cite_texts(catalog, address: str) -> str:
    return catalog.frameworks[address.split("/", 1)[0]].fill(catalog.statement_texts()[address])


def normalised(text: str) -> str:
    return " ".join(html.unescape(text).split())


def strings_of(node: Any, skip_revealed: bool) -> Iterator[str]:
    """Every key and string value of parsed JSON (leaving out revealed items when asked)."""
    if isinstance(node, dict):
        if skip_revealed and node.get("state") == "revealed":
            return
        for key, value in node.items():
            yield str(key)
            yield from strings_of(value, skip_revealed)
    elif isinstance(node, list):
        for value in node:
            yield from strings_of(value, skip_revealed)
    elif isinstance(node, str):
        yield node


def key_fields_outside_revealed(node: Any, path: str = "$") -> list[str]:
    """Where parsed JSON holds a key field (reference, rationale, ...) outside a revealed item."""
    found = []
    if isinstance(node, dict):
        if node.get("state") == "revealed":
            return []
        found += [f"{path}.{key}" for key in KEY_FIELDS & set(node)]
        for key, value in node.items():
            found += key_fields_outside_revealed(value, f"{path}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += key_fields_outside_revealed(value, f"{path}[{n}]")
    return found


def page_paths(app) -> list[str]:
    """The GET paths of the app that are pages (not the API, the console, the spec or the assets)."""
    out: list[str] = []

    def walk(routes: list, prefix: str = "") -> None:
        for route in routes:
            original = getattr(route, "original_router", None)
            if original is not None:  # FastAPI keeps an included router as one route
                walk(original.routes, prefix + getattr(route.include_context, "prefix", ""))
                continue
            path = prefix + getattr(route, "path", "")
            if "GET" in (getattr(route, "methods", None) or ()) and not path.startswith(
                ("/api", "/console", "/openapi.json", "/assets")
            ):
                out.append(path)

    walk(app.routes)
    return out


def asset_paths() -> list[str]:
    root = Path(str(files("raterkit.live") / "assets"))
    return sorted("/assets/" + p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def participant_bodies(client: Client, app, code: str, ann: dict[str, Any], newcomer: str) -> dict[str, str]:
    """Every response a participant can reach, as text: the API's JSON, the pages, the assets."""
    bodies: dict[str, str] = {}
    bodies["state"] = client.get(f"{API}/sessions/{code}/state", headers=bearer(ann["token"])).text
    bodies["state by cookie"] = client.get(f"{API}/sessions/{code}/state", headers=cookie(code, ann["token"])).text
    bodies["events"] = call(client, "GET", f"{API}/sessions/{code}/events", headers=bearer(ann["token"]))[2].decode()
    bodies["join"] = client.post(f"{API}/sessions/{code}/participants", json={"name": newcomer}).text
    pages = {"/", "/join/{code}", "/s/{code}", *page_paths(app)}
    for path in sorted(pages):
        url = path.replace("{code}", code)
        assert "{" not in url, f"the test does not know how to fill {path}"
        bodies[url] = client.get(url, headers=cookie(code, ann["token"])).text
    for path in asset_paths():
        r = client.get(path)
        assert r.status_code == 200, path
        bodies[path] = r.text
    return bodies


def everything_in(body: str) -> str:
    """A body's text as a reader gets it: every string of its JSON, or its HTML unescaped."""
    try:
        return normalised(" ".join(strings_of(json.loads(body), skip_revealed=False)))
    except ValueError:
        return normalised(body)


def assert_hidden(bodies: dict[str, str], secrets_by_item: dict[str, list[str]], revealed: set[str]) -> None:
    """No body holds a secret of an item that is not revealed, in its text or in its JSON."""
    shown_texts = " ".join(normalised(s) for item in revealed for s in secrets_by_item[item])
    for name, body in bodies.items():
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if parsed is not None:
            assert key_fields_outside_revealed(parsed) == [], name
            text = normalised(" ".join(strings_of(parsed, skip_revealed=True)))
        else:
            text = normalised(body)
            assert not re.search(r"""["']?(reference|rationale|cites)["']?\s*:\s*["'\[{]""", text), name
        for item, secrets in secrets_by_item.items():
            if item in revealed:
                continue
            for secret in secrets:
                if normalised(secret) in shown_texts:  # a statement the revealed feedback also shows
                    continue
                assert normalised(secret) not in text, f"{name} shows {item}'s key: {secret[:60]}"


def hidden_setup(client: Client, mode: str) -> tuple[str, dict[str, Any], list[str]]:
    """Six items: three waiting, two open, one closed; Ann and Bo have rated."""
    chosen = ["cp1-01", "cp1-02", "cp1-03", "cp1-04", "cp1-05", "cp1-06"]
    code = new_session(client, mode=mode, items=chosen)["code"]
    ann, bo = join(client, code, "Ann"), join(client, code, "Bo")
    for item in chosen[:3]:
        act(client, code, item, "open")
        rate(client, code, ann["token"], item, "II")
        rate(client, code, bo["token"], item, "III")
    act(client, code, "cp1-03", "close")
    states = {i["id"]: i["state"] for i in view(client, code)["items"]}
    assert states == {"cp1-01": "open", "cp1-02": "open", "cp1-03": "closed"} | dict.fromkeys(chosen[3:], "waiting")
    return code, ann, chosen


def secrets_of(catalog, chosen: list[str]) -> dict[str, list[str]]:
    quiz = catalog.quizzes[QUIZ_ID]
    return {
        item.id: [item.rationale, *(cite_texts(catalog, a) for a in item.cites)]
        for item in quiz.items
        if item.id in chosen
    }


def test_reference_key_reaches_no_participant_before_the_reveal(client, app, catalog):
    code, ann, chosen = hidden_setup(client, "reference")
    secrets = secrets_of(catalog, chosen)
    assert_hidden(participant_bodies(client, app, code, ann, "Cy"), secrets, revealed=set())

    act(client, code, "cp1-01", "reveal")
    bodies = participant_bodies(client, app, code, ann, "Di")
    assert_hidden(bodies, secrets, revealed={"cp1-01"})
    quiz_item = next(i for i in catalog.quizzes[QUIZ_ID].items if i.id == "cp1-01")
    for name in ("state", "events"):
        item = next(i for i in json.loads(bodies[name])["items"] if i["id"] == "cp1-01")
        assert item["state"] == "revealed"
        assert (item["reference"], item["rationale"]) == (quiz_item.reference, quiz_item.rationale), name
        assert [c["text"] for c in item["cites"]] == [cite_texts(catalog, a) for a in quiz_item.cites]
        assert item["spread"] == {"I": 0, "II": 1, "III": 1, "IV": 0}
        assert set(item["diffs"]) == {"I", "II", "III", "IV"} - {quiz_item.reference}
    assert normalised(quiz_item.rationale) in everything_in(bodies["state"])


def test_consensus_mode_never_shows_the_quizs_key_and_shows_the_recorded_level_after_the_reveal(client, app, catalog):
    code, ann, chosen = hidden_setup(client, "consensus")
    secrets = secrets_of(catalog, chosen)
    quiz_refs = {i.id: i.reference for i in catalog.quizzes[QUIZ_ID].items}
    other = {ref: next(lv for lv in ("I", "II", "III", "IV") if lv != ref) for ref in quiz_refs.values()}
    # The room agrees on a level other than the quiz's: a leak of the quiz's key would show.
    for item in ("cp1-01", "cp1-02"):
        r = client.put(
            f"{API}/sessions/{code}/items/{item}/consensus", json={"level": other[quiz_refs[item]]}, headers=KEY
        )
        assert r.status_code == 200, r.text
    assert_hidden(participant_bodies(client, app, code, ann, "Cy"), secrets, revealed=set())

    act(client, code, "cp1-01", "reveal")
    act(client, code, "cp1-03", "reveal")  # revealed with no level recorded
    bodies = participant_bodies(client, app, code, ann, "Di")
    # The quiz's rationale never shows, revealed or not.
    for name, body in bodies.items():
        text = everything_in(body)
        for item, secret in secrets.items():
            assert normalised(secret[0]) not in text, f"{name} shows {item}'s rationale in consensus mode"
    assert_hidden(bodies, secrets, revealed={"cp1-01", "cp1-03"})
    for name in ("state", "events"):
        items = {i["id"]: i for i in json.loads(bodies[name])["items"]}
        assert items["cp1-01"]["reference"] == other[quiz_refs["cp1-01"]], name
        assert items["cp1-01"]["rationale"] is None and items["cp1-01"]["cites"] == []
        assert items["cp1-03"]["reference"] is None and items["cp1-03"]["rationale"] is None
        assert items["cp1-03"]["cites"] == [] and items["cp1-03"]["diffs"] == {}
        assert KEY_FIELDS.isdisjoint(items["cp1-02"]), "recorded but not revealed"


# --------------------------------------------------------------------------------------------
# 3. Bad input


@pytest.fixture
def room(client) -> dict[str, Any]:
    """A facilitator-paced session: cp1-01 open, cp1-02 closed, the rest waiting; Ann has joined."""
    code = new_session(client)["code"]
    act(client, code, "cp1-01", "open")
    act(client, code, "cp1-02", "open")
    act(client, code, "cp1-02", "close")
    return {"code": code, "ann": join(client, code, "Ann")}


def test_unknown_session_item_and_level(client, room):
    code, token = room["code"], room["ann"]["token"]
    assert "code" in plain_error(client.get(f"{API}/sessions/NOSUCH", headers=KEY), 404)
    assert "code" in plain_error(client.post(f"{API}/sessions/NOSUCH/participants", json={"name": "Ann"}), 404)
    plain_error(client.post(f"{API}/sessions/{code}/items/cp1-99/open", headers=KEY), 404)
    plain_error(client.post(f"{API}/sessions/{code}/items/nothing/reveal", headers=KEY), 404)
    rating = f"{API}/sessions/{code}/items/cp1-99/rating"
    plain_error(client.put(rating, json={"rating": "II"}, headers=bearer(token)), 404)
    rating = f"{API}/sessions/{code}/items/cp1-01/rating"
    for wrong in ("V", "0", "", "Level V", "II III"):
        assert "I, II, III, IV" in plain_error(client.put(rating, json={"rating": wrong}, headers=bearer(token)), 422)
    plain_error(client.put(rating, json={"rating": 3}, headers=bearer(token)), 422)
    plain_error(client.put(rating, json={}, headers=bearer(token)), 422)
    for written in ("iii", " Level III ", "level iii"):
        r = client.put(rating, json={"rating": written}, headers=bearer(token))
        assert r.status_code == 200 and r.json()["rating"] == "III", written


def test_rating_a_waiting_or_closed_item_is_a_conflict(client, room):
    code, token = room["code"], room["ann"]["token"]
    waiting = client.put(f"{API}/sessions/{code}/items/cp1-03/rating", json={"rating": "II"}, headers=bearer(token))
    assert "not open" in plain_error(waiting, 409)
    closed = client.put(f"{API}/sessions/{code}/items/cp1-02/rating", json={"rating": "II"}, headers=bearer(token))
    assert "closed" in plain_error(closed, 409)
    assert state(client, code, token)["mine"] == {}


def test_names_taken_too_long_or_blank(client, room):
    url = f"{API}/sessions/{room['code']}/participants"
    for taken in ("Ann", "ann", " ANN ", "Ann\t", "aNn"):
        assert "already" in plain_error(client.post(url, json={"name": taken}), 409)
    join(client, room["code"], "Mary Ann")
    assert "already" in plain_error(client.post(url, json={"name": "mary   ann"}), 409)
    for long in ("x" * 61, "x" * 200, "x" * 201, "y" * 5000):
        plain_error(client.post(url, json={"name": long}), 422)
    for blank in ("", " ", "\t\n", "\u3000"):
        plain_error(client.post(url, json={"name": blank}), 422)
    for wrong in ({}, {"name": None}, {"name": 5}, {"name": ["Ann"]}):
        plain_error(client.post(url, json=wrong), 422)
    # PostgreSQL stores no NUL, and no page should show a control character: refused plainly.
    for control in ("A\x00nn", "Bo\x1b[2J", "Cy\x7f"):
        assert "control characters" in plain_error(client.post(url, json={"name": control}), 422)


def test_a_code_that_cannot_be_one_is_never_looked_up(client):
    for code in ("ABC%00DEF", "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", "ABCDEFG", "AB", "0O1IOO"):
        plain_error(client.post(f"{API}/sessions/{code}/participants", json={"name": "Eve"}), 404)


def test_an_item_that_cannot_be_one_is_never_looked_up(client, room):
    """PostgreSQL stores no NUL: an item id the quiz does not have is a 404 before any query (the fuzz found it)."""
    token = join(client, room["code"], "Nul")["token"]
    for item in ("%00", "cp1-01%00", "x" * 300):
        answer = client.put(
            f"{API}/sessions/{room['code']}/items/{item}/rating", json={"rating": "II"}, headers=bearer(token)
        )
        plain_error(answer, 404)


def test_oversized_bodies_are_refused_whether_their_length_is_given_or_not(client, room):
    big = json.dumps({"quiz": QUIZ_ID, "items": ["cp1-01"] * 8000}).encode()
    assert len(big) > 64 * 1024
    json_type = {"Content-Type": "application/json"}
    assert "too large" in plain_error(client.post(f"{API}/sessions", content=big, headers=KEY | json_type), 413)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    chunked = client.post(f"{API}/sessions", content=chunks(), headers=KEY | json_type)
    assert "too large" in plain_error(chunked, 413)
    name = f"{API}/sessions/{room['code']}/participants"
    body = json.dumps({"name": "x" * 70_000}).encode()
    plain_error(client.post(name, content=iter([body]), headers=json_type), 413)
    plain_error(client.post(name, content=body, headers=json_type), 413)
    assert [s["code"] for s in client.get(f"{API}/sessions", headers=KEY).json()] == [room["code"]]


def test_a_chunked_body_within_the_limit_is_read(client, room):
    body = json.dumps({"name": "Chunky"}).encode()
    r = client.post(
        f"{API}/sessions/{room['code']}/participants",
        content=iter([body[:5], body[5:]]),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 201 and r.json()["name"] == "Chunky"


def test_chunked_bodies_through_a_real_server(app):
    """uvicorn hands a chunked body on in pieces (the test client in one): too large is 413, small is read."""
    url, server, thread = serve_live(app)
    headers = KEY | {"Content-Type": "application/json"}

    def pieces(data: bytes, size: int) -> Iterator[bytes]:
        for start in range(0, len(data), size):
            yield data[start : start + size]

    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            big = json.dumps({"quiz": QUIZ_ID, "items": ["cp1-01"] * 8000}).encode()
            plain_error(http.post(f"{API}/sessions", content=pieces(big, 4096), headers=headers), 413)
            small = json.dumps({"quiz": QUIZ_ID, "items": ["cp1-01", "cp1-02"], "pace": "self"}).encode()
            made = http.post(f"{API}/sessions", content=pieces(small, 7), headers=headers)
            assert made.status_code == 201, made.text
            assert [i["id"] for i in made.json()["items"]] == ["cp1-01", "cp1-02"]
    finally:
        server.should_exit = True
        thread.join()


def test_bodies_that_are_not_json_objects(client, room):
    url = f"{API}/sessions"
    json_type = KEY | {"Content-Type": "application/json"}
    for broken in (b"{", b"{'quiz': 1}", b'{"quiz": "x",}', b"\xff\xfe", b"nul"):
        assert "JSON" in plain_error(client.post(url, content=broken, headers=json_type), 400)
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json"):
        r = client.post(url, content=json.dumps({"quiz": QUIZ_ID}).encode(), headers=KEY | {"Content-Type": kind})
        assert "JSON" in plain_error(r, 415), kind
    no_type = client.post(url, content=json.dumps({"quiz": QUIZ_ID}).encode(), headers=KEY)
    plain_error(no_type, 415)
    for not_object in ([], [{"quiz": QUIZ_ID}], 3, "cp1-customer-relations", None, True):
        plain_error(client.post(url, json=not_object, headers=KEY), 422)
    rating = f"{API}/sessions/{room['code']}/items/cp1-01/rating"
    plain_error(client.put(rating, json=["III"], headers=bearer(room["ann"]["token"])), 422)


def test_text_that_cannot_be_written_out_is_refused_plainly(client, room):
    """A lone surrogate (valid JSON, not valid Unicode) in any field: a 4xx, never a crash on the answer."""
    odd = "\ud800"
    json_type = {"Content-Type": "application/json"}
    consensus = new_session(client, mode="consensus", pace="self")["code"]
    for url, body, who in (
        (f"{API}/sessions", {"quiz": odd}, KEY),
        (f"{API}/sessions", {"quiz": QUIZ_ID, "items": [odd]}, KEY),
        (f"{API}/sessions", {"quiz": QUIZ_ID, "items": ["cp1-01", f"x{odd}y"]}, KEY),
        (f"{API}/sessions", {"quiz": QUIZ_ID, "mode": odd}, KEY),
        (f"{API}/sessions/{room['code']}/participants", {"name": odd}, {}),
        (f"{API}/sessions/{room['code']}/participants", {"name": f"Ann{odd}"}, {}),
        (f"{API}/sessions/{room['code']}/items/cp1-01/rating", {"rating": odd}, bearer(room["ann"]["token"])),
        (f"{API}/sessions/{consensus}/items/cp1-01/consensus", {"level": odd}, KEY),
    ):
        method = "PUT" if url.endswith(("rating", "consensus")) else "POST"
        r = client.request(method, url, content=json.dumps(body).encode(), headers=who | json_type)
        assert 400 <= r.status_code < 500, (url, body, r.status_code, r.text)
        plain_error(r, r.status_code)


def test_new_sessions_with_wrong_values(client):
    url = f"{API}/sessions"
    assert QUIZ_ID in plain_error(client.post(url, json={"quiz": "no-such-quiz"}, headers=KEY), 422)
    plain_error(client.post(url, json={"quiz": ""}, headers=KEY), 422)
    plain_error(client.post(url, json={}, headers=KEY), 422)
    bad_items = client.post(url, json={"quiz": QUIZ_ID, "items": ["cp1-01", "cp9-99"]}, headers=KEY)
    assert "cp9-99" in plain_error(bad_items, 422)
    plain_error(client.post(url, json={"quiz": QUIZ_ID, "items": "cp1-01"}, headers=KEY), 422)
    plain_error(client.post(url, json={"quiz": QUIZ_ID, "items": [1, 2]}, headers=KEY), 422)
    for field, wrong in (("mode", "quiz"), ("mode", ""), ("mode", None), ("pace", "fast"), ("pace", 1)):
        plain_error(client.post(url, json={"quiz": QUIZ_ID, field: wrong}, headers=KEY), 422)
    assert client.get(url, headers=KEY).json() == []


def test_rounds_actions_and_methods_that_do_not_exist(client, room):
    code = room["code"]
    csv_url = f"{API}/sessions/{code}/ratings.csv"
    for wrong in ("0", "2", "99", "-1", "x", "1.5", "99999999999999999999"):
        r = client.get(csv_url, params={"round": wrong}, headers=KEY)
        assert 400 <= r.status_code < 500, (wrong, r.status_code)
        plain_error(r, r.status_code)
    assert client.get(csv_url, params={"round": "1"}, headers=KEY).status_code == 200
    for action in ("frobnicate", "OPEN", "delete", "open2"):
        r = client.post(f"{API}/sessions/{code}/items/cp1-01/{action}", headers=KEY)
        assert 400 <= r.status_code < 500
        plain_error(r, r.status_code)
    for method, url in (
        ("DELETE", f"{API}/sessions/{code}"),
        ("PUT", f"{API}/sessions"),
        ("GET", f"{API}/sessions/{code}/reveal"),
        ("PATCH", f"{API}/sessions/{code}/items/cp1-01/rating"),
        ("POST", f"{API}/sessions/{code}/state"),
    ):
        plain_error(client.request(method, url, headers=KEY), 405)
    plain_error(client.get(f"{API}/nothing-here", headers=KEY), 404)
    consensus = client.put(f"{API}/sessions/{code}/items/cp1-01/consensus", json={"level": "II"}, headers=KEY)
    plain_error(consensus, 409)


# --------------------------------------------------------------------------------------------
# 4. CSRF, cookies and other sites


def test_a_participant_seen_before_is_known_without_a_query_and_still_checked(client, monkeypatch):
    """Who holds a token never changes, so a process remembers it: a rating then costs one
    transaction. The checks that need no query (another session's code, the CSRF token) still apply."""
    code = new_session(client, pace="self")["code"]
    other_code = new_session(client, pace="self")["code"]
    ann = join(client, code, "Ann")
    room = client.app.state.room
    fresh = create_app(room.catalog, room.store.url, LIVE_KEY, store=room.store)  # a worker that never saw Ann

    def no_query(token_hash: str) -> None:
        raise AssertionError("looked up a participant already known")

    monkeypatch.setattr(room.store, "participant_and_session", no_query)
    url = f"{API}/sessions/{code}/items/cp1-01/rating"
    assert client.put(url, json={"rating": "II"}, headers=bearer(ann["token"])).json()["round"] == 1
    plain_error(client.put(url, json={"rating": "II"}, headers=cookie(code, ann["token"])), 403)
    assert client.put(url, json={"rating": "III"}, headers=cookie(code, ann["token"], ann["csrf"])).status_code == 200
    elsewhere = f"{API}/sessions/{other_code}/items/cp1-01/rating"
    assert "another session" in plain_error(
        client.put(elsewhere, json={"rating": "II"}, headers=bearer(ann["token"])), 403
    )
    monkeypatch.undo()
    with Client(fresh) as there:
        assert there.get(f"{API}/sessions/{code}/state", headers=bearer(ann["token"])).json()["mine"] == {
            "cp1-01": "III"
        }


def test_join_sets_an_httponly_strict_cookie_and_changes_by_cookie_need_the_csrf_token(client):
    code = new_session(client, pace="self")["code"]
    r = client.post(f"{API}/sessions/{code}/participants", json={"name": "Ann"})
    assert r.status_code == 201
    ann = r.json()
    set_cookie = r.headers["set-cookie"]
    assert set_cookie.startswith(f"rk_p_{code}={ann['token']};")
    attributes = {part.strip().lower() for part in set_cookie.split(";")[1:]}
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    url = f"{API}/sessions/{code}/items/cp1-01/rating"
    without = client.put(url, json={"rating": "II"}, headers=cookie(code, ann["token"]))
    assert "reload" in plain_error(without, 403)
    wrong = client.put(url, json={"rating": "II"}, headers=cookie(code, ann["token"], "0" * 64))
    plain_error(wrong, 403)
    other = join(client, code, "Bo")
    borrowed = client.put(url, json={"rating": "II"}, headers=cookie(code, ann["token"], other["csrf"]))
    plain_error(borrowed, 403)
    assert state(client, code, ann["token"])["mine"] == {}
    right = client.put(url, json={"rating": "II"}, headers=cookie(code, ann["token"], ann["csrf"]))
    assert right.status_code == 200, right.text
    reading = client.get(f"{API}/sessions/{code}/state", headers=cookie(code, ann["token"]))
    assert reading.status_code == 200 and reading.json()["mine"] == {"cp1-01": "II"}


@pytest.mark.parametrize("origin", ["https://evil.example", "http://testserver.evil.example", "null"])
def test_unsafe_requests_from_another_site_are_refused_even_with_the_key(client, origin):
    spec = client.get("/openapi.json").json()
    code, ann = rated_consensus_session(client)
    unsafe = 0
    for (method, path), op in operations(spec).items():
        if method == "GET":
            continue
        participant = "participant" in op.get("tags", [])
        who = bearer(ann["token"]) if participant and not path.endswith("/participants") else KEY
        for url, body in valid_calls(spec, path, op, code):
            r = client.request(method, url, json=body, headers=who | {"Origin": origin})
            assert "refused" in plain_error(r, 403), f"{method} {url}"
            unsafe += 1
    assert unsafe >= 8
    # The same calls from our own pages pass.
    same = client.put(
        f"{API}/sessions/{code}/items/cp1-01/rating",
        json={"rating": "III"},
        headers=bearer(ann["token"]) | {"Origin": "http://testserver"},
    )
    assert same.status_code == 200, same.text


# --------------------------------------------------------------------------------------------
# 5. Join codes cannot be guessed


def test_codes_are_six_characters_of_the_alphabet(client):
    codes = {new_session(client)["code"] for _ in range(20)}
    assert len(codes) == 20
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set(CODE_ALPHABET) & set("01IO")


def test_ten_wrong_codes_block_that_client_and_no_other(app, client):
    code = new_session(client)["code"]
    wrong = [letter * 6 for letter in "ABCDEFGHJK"]
    assert code not in wrong
    for guess in wrong:
        plain_error(client.post(f"{API}/sessions/{guess}/participants", json={"name": "Eve"}), 404)
    blocked = client.post(f"{API}/sessions/{code}/participants", json={"name": "Eve"})
    assert "Too many" in plain_error(blocked, 429)
    plain_error(client.post(f"{API}/sessions/LLLLLL/participants", json={"name": "Eve"}), 429)
    with TestClient(app, client=("10.0.0.2", 1234)) as other:
        r = other.post(f"{API}/sessions/{code}/participants", json={"name": "Eve"})
        assert r.status_code == 201, r.text
    assert [p["name"] for p in view(client, code)["participants"]] == ["Eve"]


def test_a_taken_name_is_not_a_wrong_code(client):
    code = new_session(client)["code"]
    join(client, code, "Ann")
    for _ in range(12):
        plain_error(client.post(f"{API}/sessions/{code}/participants", json={"name": "Ann"}), 409)
    join(client, code, "Bo")


# --------------------------------------------------------------------------------------------
# 6. Whole sessions through the API

CHOSEN = ["cp1-01", "cp1-02", "cp1-03", "cp1-04", "cp1-05", "cp1-06"]
#: Three raters: round 1 spread out, round 2 closer together.
ROUND1 = {
    "Ann": ["III", "I", "II", "IV", "II", "III"],
    "Bo": ["II", "II", "III", "III", "I", "IV"],
    "Cy": ["IV", "I", "I", "IV", "III", "II"],
}
ROUND2 = {
    "Ann": ["III", "I", "II", "IV", "II", "III"],
    "Bo": ["III", "I", "II", "III", "II", "III"],
    "Cy": ["III", "II", "II", "IV", "II", "IV"],
}


def agreement_json(tmp_path: Path, capsys, name: str, text: str) -> dict[str, Any]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["agreement", str(path), "--format", "json", "--data", str(FRAMEWORKS), str(QUIZ)]) == 0
    return json.loads(capsys.readouterr().out)


def read_csv(tmp_path: Path, catalog, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_responses([path], catalog, QUIZ_ID)


def test_a_facilitator_paced_workshop_of_two_rounds(client, catalog, tmp_path, capsys):
    code = new_session(client, items=CHOSEN)["code"]
    people = {name: join(client, code, name) for name in ROUND1}
    first = view(client, code)
    assert [i["id"] for i in first["items"]] == CHOSEN and {i["state"] for i in first["items"]} == {"waiting"}
    assert state(client, code, people["Ann"]["token"])["waiting"] == len(CHOSEN)

    for n, item in enumerate(CHOSEN):
        act(client, code, item, "open")
        for name, levels in ROUND1.items():
            rate(client, code, people[name]["token"], item, levels[n])
        live = next(i for i in view(client, code)["items"] if i["id"] == item)
        assert live["rated"] == 3 and live["spread"] is None, "no spread while the item is open"
        act(client, code, item, "close")
    console = view(client, code)
    assert console["stats"] is not None and console["change"] is None
    assert [p["rated"] for p in console["participants"]] == [6, 6, 6]

    round1 = client.get(f"{API}/sessions/{code}/ratings.csv", params={"round": 1}, headers=KEY)
    assert round1.status_code == 200 and round1.headers["content-type"].startswith("text/csv")
    assert round1.text.splitlines()[0] == "rater,item,rating,quiz,round,timestamp"
    responses = read_csv(tmp_path, catalog, "round1.csv", round1.text)
    assert responses.problems == [] and responses.kept == 18
    assert agreement_json(tmp_path, capsys, "round1.csv", round1.text)["alpha"]["ordinal"] == pytest.approx(
        console["stats"]["alpha"]
    )

    revealed = client.post(f"{API}/sessions/{code}/reveal", headers=KEY).json()
    assert {i["state"] for i in revealed["items"]} == {"revealed"}
    second = client.post(f"{API}/sessions/{code}/rounds", headers=KEY)
    assert second.status_code == 201
    second_view = second.json()
    assert (second_view["round"], second_view["rounds"]) == (2, 2)
    order = [i["id"] for i in sorted(second_view["items"], key=lambda i: i["position"])]
    assert sorted(order) == sorted(CHOSEN) and order != CHOSEN
    assert {i["state"] for i in second_view["items"]} == {"waiting"}
    assert all(i["rated"] == 0 for i in second_view["items"])
    assert state(client, code, people["Ann"]["token"])["mine"] == {}

    for item in order:
        act(client, code, item, "open")
        for name, levels in ROUND2.items():
            rate(client, code, people[name]["token"], item, levels[CHOSEN.index(item)])
        act(client, code, item, "close")
    console = view(client, code)
    assert console["change"] is not None

    # A participant who reloads (a new client, the same token or cookie) keeps their answers.
    with Client(client.app) as reloaded:
        mine = state(reloaded, code, people["Bo"]["token"])["mine"]
        assert mine == dict(zip(CHOSEN, ROUND2["Bo"]))
        by_cookie = reloaded.get(f"{API}/sessions/{code}/state", headers=cookie(code, people["Bo"]["token"]))
        assert by_cookie.json()["mine"] == mine

    every = client.get(f"{API}/sessions/{code}/ratings.csv", headers=KEY).text
    assert len(every.splitlines()) == 1 + 36
    assert {line.split(",")[4] for line in every.splitlines()[1:]} == {"1", "2"}
    for number in (1, 2):
        text = client.get(f"{API}/sessions/{code}/ratings.csv", params={"round": number}, headers=KEY).text
        assert text.splitlines()[1:] == [line for line in every.splitlines()[1:] if line.split(",")[4] == str(number)]
        responses = read_csv(tmp_path, catalog, f"round{number}.csv", text)
        assert responses.problems == [] and responses.kept == 18, number
    round2 = client.get(f"{API}/sessions/{code}/ratings.csv", params={"round": 2}, headers=KEY).text
    assert agreement_json(tmp_path, capsys, "round2.csv", round2)["alpha"]["ordinal"] == pytest.approx(
        console["stats"]["alpha"]
    )

    report = client.get(f"{API}/sessions/{code}/report", headers=KEY)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    page = report.text
    assert html.escape(catalog.quizzes[QUIZ_ID].title, quote=False) in page or catalog.quizzes[QUIZ_ID].title in page
    assert 'id="alpha-change-title"' in page and "after discussion." in page
    assert "frame-ancestors 'none'" in report.headers["content-security-policy"]


def test_a_self_paced_session(client, catalog, tmp_path):
    code = new_session(client, pace="self", items=CHOSEN[:4])["code"]
    ann, bo = join(client, code, "Ann"), join(client, code, "Bo")
    seen = state(client, code, ann["token"])
    assert seen["waiting"] == 0 and [i["state"] for i in seen["items"]] == ["open"] * 4
    for n, item in enumerate(CHOSEN[:4]):
        rate(client, code, ann["token"], item, ROUND1["Ann"][n])
        rate(client, code, bo["token"], item, ROUND1["Bo"][n])
    rate(client, code, ann["token"], "cp1-01", "IV")  # changed while open
    assert state(client, code, ann["token"])["mine"]["cp1-01"] == "IV"
    client.post(f"{API}/sessions/{code}/reveal", headers=KEY)
    seen = state(client, code, bo["token"])
    assert {i["state"] for i in seen["items"]} == {"revealed"}
    assert all(i["reference"] for i in seen["items"])
    assert client.post(f"{API}/sessions/{code}/rounds", headers=KEY).status_code == 201
    seen = state(client, code, bo["token"])
    assert seen["round"] == 2 and seen["mine"] == {} and seen["waiting"] == 0
    assert {i["state"] for i in seen["items"]} == {"open"}
    assert [i["id"] for i in seen["items"]] != CHOSEN[:4] and sorted(i["id"] for i in seen["items"]) == CHOSEN[:4]
    rate(client, code, bo["token"], "cp1-02", "II")
    text = client.get(f"{API}/sessions/{code}/ratings.csv", params={"round": 1}, headers=KEY).text
    assert read_csv(tmp_path, catalog, "r1.csv", text).problems == []


def test_names_that_look_like_formulas_are_protected_in_the_csv_and_read_back_as_typed(client, catalog, tmp_path):
    code = new_session(client, pace="self", items=["cp1-01"])["code"]
    names = ["=SUM(A1:A2)", "+cmd|' /C calc'!A0", "-2+3", "@here", "'=quoted", "Ann"]
    for n, name in enumerate(names):
        rate(client, code, join(client, code, name)["token"], "cp1-01", ["I", "II", "III", "IV"][n % 4])
    text = client.get(f"{API}/sessions/{code}/ratings.csv", headers=KEY).text
    raw = [line.split(",")[0] for line in text.splitlines()[1:]]
    for cell in raw:
        assert not cell.lstrip('"').startswith(("=", "+", "-", "@")), cell
    responses = read_csv(tmp_path, catalog, "formulas.csv", text)
    assert responses.problems == []
    assert [row.rater for row in responses.rows] == names


# --------------------------------------------------------------------------------------------
# 7. Many people rating at once


def test_four_people_rating_at_once_lose_nothing(client):
    code = new_session(client, pace="self")["code"]
    people = [join(client, code, f"Rater {n}") for n in range(4)]
    items = [f"cp1-{n:02d}" for n in range(1, 17)]
    levels = ["I", "II", "III", "IV"]
    failures: list[str] = []
    expected: dict[str, dict[str, str]] = {}

    def work(n: int) -> None:
        token = people[n]["token"]
        last: dict[str, str] = {}
        for k in range(25):
            item, level = items[(k * 3 + n) % 16], levels[(k + n) % 4]
            r = client.put(f"{API}/sessions/{code}/items/{item}/rating", json={"rating": level}, headers=bearer(token))
            if r.status_code != 200:
                failures.append(f"{n}/{k}: {r.status_code} {r.text}")
            last[item] = level
        expected[people[n]["name"]] = last

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    for person in people:
        assert state(client, code, person["token"])["mine"] == expected[person["name"]]
    console = view(client, code)
    assert sum(i["rated"] for i in console["items"]) == sum(len(v) for v in expected.values())


def test_a_rating_goes_to_the_round_current_when_it_is_written(client):
    """The round is read in the rating's own transaction: a participant known from before the new
    round (no query to know who they are) rates into the new one, and round 1 keeps what it had."""
    body = {"quiz": QUIZ_ID, "items": ["cp1-01", "cp1-02"], "pace": "self"}
    code = client.post(f"{API}/sessions", json=body, headers=KEY).json()["code"]
    token = client.post(f"{API}/sessions/{code}/participants", json={"name": "Ann"}).json()["token"]
    client.cookies.clear()
    who = {"Authorization": f"Bearer {token}"}
    answer = client.put(f"{API}/sessions/{code}/items/cp1-01/rating", json={"rating": "II"}, headers=who)
    assert answer.json()["round"] == 1
    store = client.app.state.room.store
    session = store.session(code)
    ann = store.participant_by_token(token)
    view = client.post(f"{API}/sessions/{code}/rounds", headers=KEY).json()
    assert view["round"] == 2 and {i["state"] for i in view["items"]} == {"open"}
    assert store.rate(session.id, "cp1-02", ann.id, "III", "t") == (None, 2)
    assert store.rate(session.id, "cp1-99", ann.id, "III", "t") == ("missing", 0)
    answer = client.put(f"{API}/sessions/{code}/items/cp1-02/rating", json={"rating": "III"}, headers=who)
    assert answer.json()["round"] == 2
    rows = [(r.item, r.level, r.round) for r in store.ratings(session.id)]
    assert rows == [("cp1-01", "II", 1), ("cp1-02", "III", 2)]


def test_a_change_committed_before_the_database_went_away_is_said_to_be_saved(client, monkeypatch):
    """A trainer's change is committed before the console's view is read again: when that read
    fails (the database just went away), the answer is a 503 saying the change is saved, never
    "nothing was saved"; a failure before the commit still says nothing was saved."""
    code = new_session(client)["code"]
    room = client.app.state.room

    def away(*_: Any) -> None:
        raise OperationalError("SELECT", {}, Exception("the database went away"))

    monkeypatch.setattr(room, "facilitator_view", away)
    answer = client.post(f"{API}/sessions/{code}/items/cp1-01/open", headers=KEY)
    assert "the change is saved" in plain_error(answer, 503)
    monkeypatch.setattr(room, "act", away)
    answer = client.post(f"{API}/sessions/{code}/items/cp1-02/open", headers=KEY)
    assert "nothing was saved" in plain_error(answer, 503)
    monkeypatch.undo()
    states = {i["id"]: i["state"] for i in client.get(f"{API}/sessions/{code}", headers=KEY).json()["items"]}
    assert states["cp1-01"] == "open" and states["cp1-02"] == "waiting"


# --------------------------------------------------------------------------------------------
# 7. The ratings' fast path answers exactly as the router does


def test_the_fast_path_for_ratings_answers_every_request_as_the_router_would(client, monkeypatch):
    """A rating is the request a room sends most, so the server answers it without the router's
    layers (``RatingFastPath``) when it can. Every kind of rating request, good and bad, gets the
    same status, body and headers from the server with the fast path as from one without it, over
    the same database; and the fast path does answer the good ones (it is not silently unused)."""
    from raterkit.live.api import RatingFastPath

    room = client.app.state.room
    plain = create_app(room.catalog, room.store.url, LIVE_KEY, store=room.store, fast_ratings=False)
    answered: list[int] = []
    answer = RatingFastPath.answer

    async def counted(self, scope, body, match):
        response = await answer(self, scope, body, match)
        if response is not None:
            answered.append(response.status_code)
        return response

    monkeypatch.setattr(RatingFastPath, "answer", counted)
    code = new_session(client)["code"]
    other_code = new_session(client, pace="self")["code"]
    ann, bo = join(client, code, "Ann"), join(client, code, "Bo")
    act(client, code, "cp1-01", "open")
    act(client, code, "cp1-02", "open")
    act(client, code, "cp1-02", "close")
    url = f"{API}/sessions/{code}/items/cp1-01/rating"
    json_type = {"Content-Type": "application/json"}
    requests: list[tuple[str, Any, dict[str, str]]] = [
        (url, {"rating": "II"}, bearer(ann["token"])),
        (url, {"rating": "ii", "extra": [1, 2]}, bearer(ann["token"])),  # any case; unknown fields ignored
        (url, {"rating": "Fully Successful"}, bearer(bo["token"])),  # a label
        (url, {"rating": "VII"}, bearer(ann["token"])),  # not on the scale
        (url, {"rating": "x" * 200}, bearer(ann["token"])),
        (url, {"rating": "x" * 201}, bearer(ann["token"])),
        (url, {"rating": 3}, bearer(ann["token"])),
        (url, {"rating": None}, bearer(ann["token"])),
        (url, {}, bearer(ann["token"])),
        (url, [], bearer(ann["token"])),
        (url, b"{not json", {**bearer(ann["token"]), **json_type}),
        (url, b'{"rating": "\\ud800"}', {**bearer(ann["token"]), **json_type}),
        (url, b"", {**bearer(ann["token"]), **json_type}),
        (f"{API}/sessions/{code}/items/cp1-02/rating", {"rating": "II"}, bearer(ann["token"])),  # closed
        (f"{API}/sessions/{code}/items/cp1-03/rating", {"rating": "II"}, bearer(ann["token"])),  # waiting
        (f"{API}/sessions/{code}/items/nothing/rating", {"rating": "II"}, bearer(ann["token"])),
        (f"{API}/sessions/{code}/items/nothing/rating", {"rating": "VII"}, bearer(ann["token"])),
        (f"{API}/sessions/{code.lower()}/items/cp1-01/rating", {"rating": "III"}, bearer(ann["token"])),
        (f"{API}/sessions/{other_code}/items/cp1-01/rating", {"rating": "II"}, bearer(ann["token"])),
        (f"{API}/sessions/ZZZZZZ/items/cp1-01/rating", {"rating": "II"}, bearer(ann["token"])),
        (url, {"rating": "II"}, cookie(code, ann["token"])),  # no CSRF token
        (url, {"rating": "II"}, cookie(code, ann["token"], ann["csrf"])),
        (url, {"rating": "II"}, cookie(code, ann["token"], bo["csrf"])),
        (url, {"rating": "II"}, {**bearer(ann["token"]), "Origin": "https://evil.example"}),
        (url, {"rating": "II"}, {**bearer(ann["token"]), "Origin": "null"}),
        (url, {"rating": "II"}, bearer("not-a-token")),
        (url, {"rating": "II"}, KEY),
        (url, {"rating": "II"}, {}),
        (url, b'{"rating": "II"}', {**bearer(ann["token"]), "Content-Type": "text/plain"}),
    ]

    def sent(c: Client, target: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes, list[tuple[str, str]]]:
        if isinstance(body, bytes):
            r = c.put(target, content=body, headers=headers)
        else:
            r = c.put(target, json=body, headers=headers)
        kept = sorted((k, v) for k, v in r.headers.items() if k not in ("date", "x-raterkit-worker"))
        return r.status_code, r.content, kept

    with Client(plain) as router_only:
        for target, body, headers in requests:
            fast = sent(client, target, body, headers)
            slow = sent(router_only, target, body, headers)
            assert fast == slow, (target, body, headers)
    assert answered.count(200) >= 4 and 409 in answered and 422 in answered and 403 in answered, answered
    assert state(client, code, ann["token"])["mine"] == {"cp1-01": "II"}
