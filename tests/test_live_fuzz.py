"""Fuzzing the live API from its own description: every operation of /openapi.json, called with
odd path parts, query strings, bodies and headers, never answers 5xx, and every answer that is
not a success is JSON with a plain ``error`` sentence.

Hypothesis draws the requests (derandomized, so a run in CI is the run on a laptop); a longer
run is marked slow.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raterkit.live.app import create_app
from support import LIVE_KEY

QUIZ_ID = "cp1-customer-relations"
API = "/api/v1"
KEY = f"Bearer {LIVE_KEY}"

#: Path parts that have broken servers before: traversal, encoded NUL and slash, bad UTF-8, a lone surrogate.
ODD_PARTS = [
    "..",
    ".",
    "%2e%2e",
    "%00",
    "a%00b",
    "%2F",
    "%ff%fe",
    "%ED%A0%80",
    "%C0%AF",
    "%",
    "%%",
    "x" * 5000,
    "cp1-01%00",
    "CP1-01",
]
#: Text that has broken servers before: lone surrogates, NUL and other controls, direction marks, long names.
ODD_TEXTS = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "a\x00b",
    "\u202e",
    "\ufeff",
    "\x7f\x1b[2J",
    "=cmd|' /C calc'!A0",
    "x" * 61,
    " \t\n",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/json; charset=latin-1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
]
ORIGINS = [None, None, "http://testserver", "https://evil.example", "null"]


class Client(TestClient):
    """One event loop for every request and no cookie jar: each request carries its own headers."""

    def send(self, request: Any, **kwargs: Any) -> Any:
        try:
            return super().send(request, **kwargs)
        finally:
            self.cookies.clear()


@pytest.fixture(scope="module")
def world(catalog, live_db_module):
    """The app with two sessions (one of each mode and pace), a participant in each, and its spec;
    on each back-end (conftest's ``live_db_module``)."""
    app = create_app(catalog, live_db_module, LIVE_KEY)
    app.state.auth.failed_joins.limit = 10**9  # the limiter has its own test; here every join is tried
    with Client(app) as client:
        key = {"Authorization": KEY}
        a = client.post(f"{API}/sessions", json={"quiz": QUIZ_ID}, headers=key).json()["code"]
        b = client.post(
            f"{API}/sessions", json={"quiz": QUIZ_ID, "mode": "consensus", "pace": "self"}, headers=key
        ).json()["code"]
        client.post(f"{API}/sessions/{a}/items/cp1-01/open", headers=key)
        ann = client.post(f"{API}/sessions/{a}/participants", json={"name": "Ann"}).json()
        bo = client.post(f"{API}/sessions/{b}/participants", json={"name": "Bo"}).json()
        spec = client.get("/openapi.json").json()
        yield {
            "client": client,
            "spec": spec,
            "codes": [a, b],
            "tokens": {a: ann["token"], b: bo["token"]},
            "csrf": {a: ann["csrf"], b: bo["csrf"]},
            "console": app.state.auth.console_cookie(),
            "console_csrf": app.state.auth.csrf(app.state.auth.console_cookie()),
            "postgresql": not app.state.room.store.sqlite,
        }
    app.state.room.store.close()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in sorted(spec["paths"].items()) for method, op in ops.items()]


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON: nested objects and lists, huge integers, floats (NaN and infinities too), null, text."""
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**30), max_value=10**30)
        | st.floats()
        | st.text(max_size=40)
        | st.sampled_from(ODD_TEXTS)
        | st.sampled_from(["I", "II", "III", "IV", "level iii", QUIZ_ID, "cp1-01", "reference", "self", ""])
    )
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=12,
    )


#: Valid values for each field of the spec's request bodies (a new field needs its own here).
VALID_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "quiz": st.just(QUIZ_ID),
    "items": st.sampled_from([None, ["cp1-01", "cp1-02"], ["cp1-16"]]),
    "mode": st.sampled_from(["reference", "consensus"]),
    "pace": st.sampled_from(["facilitator", "self"]),
    "name": st.text("abcdefghijklmnopqrstuvwxyz ABC'-", min_size=1, max_size=20).filter(str.strip),
    "rating": st.sampled_from(["I", "II", "III", "IV", "level iii", " ii "]),
    "level": st.sampled_from(["I", "II", "III", "IV", "Level IV"]),
}
ITEMS = ["cp1-01", "cp1-02", "cp1-16"]
#: What one request may change from a valid one (up to three of them at once).
ASPECTS = ["method", "path", "query", "body", "field", "auth", "cookies", "csrf", "content-type", "origin"]


def odd_values() -> st.SearchStrategy[Any]:
    """A value where a field's value goes: odd text, any JSON, a list of odd item ids."""
    return st.one_of(
        st.sampled_from(ODD_TEXTS),
        st.text(max_size=300),
        json_values(),
        st.lists(st.sampled_from(["cp1-01", "cp1-99", *ODD_TEXTS]) | st.text(max_size=8), max_size=20),
        st.sampled_from(ODD_TEXTS).map(lambda text: [text]),
    )


def body_schema(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    if "requestBody" not in op:
        return None
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return spec["components"]["schemas"][ref]


def valid_body(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    required = set(schema.get("required", []))
    fields = {name: VALID_FIELDS[name] for name in schema["properties"]}
    return st.fixed_dictionaries(
        {n: v for n, v in fields.items() if n in required},
        optional={n: v for n, v in fields.items() if n not in required},
    )


@st.composite
def requests(draw: st.DrawFn, world: dict[str, Any], bodies_only: bool = False) -> dict[str, Any]:
    """A valid request of an operation of the spec, then up to three of its aspects made odd
    (``bodies_only``: an operation that takes a body, and only its fields made odd)."""
    spec = world["spec"]
    method, path, op = draw(st.sampled_from([o for o in operations(spec) if "requestBody" in o[2] or not bodies_only]))
    code = draw(st.sampled_from(world["codes"]))
    other = next(c for c in world["codes"] if c != code)
    trainer = "facilitator" in op.get("tags", [])
    path_params = [p for p in op.get("parameters", []) if p["in"] == "path"]
    parts = {
        p["name"]: code if p["name"] == "code" else draw(st.sampled_from(p["schema"].get("enum") or ITEMS))
        for p in path_params
    }
    schema = body_schema(spec, op)
    body: Any = draw(valid_body(schema)) if schema else None
    raw: bytes | None = None
    auth = "key" if trainer else ("none" if path.endswith("/participants") else "token")
    query: dict[str, str] = {}
    cookies: list[str] = []
    csrf: str | None = None
    kind: str | None = "application/json" if schema else None
    origin: str | None = None

    if bodies_only:
        aspects = draw(st.lists(st.just("field"), min_size=1, max_size=3))
    else:
        aspects = draw(st.lists(st.sampled_from(ASPECTS), max_size=3, unique=True))
    for aspect in aspects:
        if aspect == "method":
            method = draw(st.sampled_from(METHODS))
        elif aspect == "path" and parts:
            name = draw(st.sampled_from(sorted(parts)))
            parts[name] = draw(
                st.sampled_from(ODD_PARTS)
                | (st.text(max_size=30) | st.sampled_from(ODD_TEXTS)).map(
                    lambda v: quote(v, safe="", errors="surrogatepass")
                )
                | st.sampled_from([code.lower(), f"%20{code}%20", other, "cp1-99", "OPEN"])
            )
        elif aspect == "query":
            names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"] + ["x"]
            query = draw(
                st.dictionaries(
                    st.sampled_from(names) | st.text(max_size=8),
                    st.integers(min_value=-(10**20), max_value=10**20).map(str) | st.text(max_size=20),
                    min_size=1,
                    max_size=3,
                )
            )
        elif aspect == "body":
            if draw(st.booleans()):
                body = draw(json_values())
            else:
                raw = draw(st.binary(max_size=300))
        elif aspect == "field" and isinstance(body, dict):
            name = draw(st.sampled_from([*(schema or {}).get("properties", {}), "extra", ""]))
            if draw(st.booleans()) and name in body:
                del body[name]
            else:
                body[name] = draw(odd_values())
        elif aspect == "auth":
            auth = draw(st.sampled_from(["none", "key", "token", "other", "junk", "empty", "cookie"]))
        elif aspect == "cookies":
            cookies = draw(
                st.lists(
                    st.sampled_from(
                        [
                            f"rk_p_{code}={world['tokens'][code]}",
                            f"rk_p_{code}={world['tokens'][other]}",
                            f"rk_f={world['console']}",
                            "rk_f=nonsense",
                            f"rk_p_{code}=%ED%A0%80",
                        ]
                    ),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
        elif aspect == "csrf":
            csrf = draw(st.sampled_from([world["csrf"][code], world["console_csrf"], "0" * 64, "\xe9", ""]))
        elif aspect == "content-type":
            kind = draw(st.sampled_from(CONTENT_TYPES))
        elif aspect == "origin":
            origin = draw(st.sampled_from(ORIGINS))

    headers: dict[str, str | bytes] = {}
    bearer = {
        "key": KEY,
        "token": f"Bearer {world['tokens'][code]}",
        "other": f"Bearer {world['tokens'][other]}",
        "junk": "Bearer \xe9\x00",
        "empty": "Bearer ",
    }.get(auth)
    if bearer is not None:
        headers["Authorization"] = bearer.encode("latin-1")
    if auth == "cookie":  # the browser's way: the cookie and the CSRF token derived from it
        cookies = [*cookies, f"rk_f={world['console']}" if trainer else f"rk_p_{code}={world['tokens'][code]}"]
        csrf = csrf or (world["console_csrf"] if trainer else world["csrf"][code])
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf.encode("latin-1")
    if kind is not None:
        headers["Content-Type"] = kind
    if origin is not None:
        headers["Origin"] = origin
    url = path
    for name, value in parts.items():
        url = url.replace("{" + name + "}", value)
    content = raw if raw is not None else None if body is None else json.dumps(body).encode()
    return {"method": method, "url": url, "params": query, "content": content, "headers": headers}


def check(client: Client, request: dict[str, Any]) -> None:
    with client.stream(
        request["method"],
        request["url"],
        params=request["params"],
        content=request["content"],
        headers=request["headers"],
    ) as r:
        kind = r.headers.get("content-type", "")
        where = f"{request['method']} {r.request.url}"
        assert r.status_code < 500, f"{where}: {r.status_code} {r.read()[:300]!r}"
        if 200 <= r.status_code < 300:
            if not kind.startswith("text/event-stream"):  # a stream never ends: its status is enough
                r.read()
            return
        body = r.read()
        if request["method"] == "HEAD":
            return
        assert kind.startswith("application/json"), f"{where}: {r.status_code} {kind} {body[:200]!r}"
        answer = json.loads(body)
        assert isinstance(answer, dict) and isinstance(answer.get("error"), str), f"{where}: {answer}"
        assert answer["error"].strip(), where


def run(world: dict[str, Any], examples: int, bodies_only: bool = False) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests(world, bodies_only))
    def one(request: dict[str, Any]) -> None:
        check(world["client"], request)

    one()


def test_no_request_from_the_spec_gets_a_server_error(world):
    run(world, examples=100)


def test_no_body_field_gets_a_server_error(world):
    run(world, examples=60, bodies_only=True)


#: The long run's examples (every part, bodies only) by back-end (PostgreSQL or not), sized to `make
#: test`'s time budget (the whole suite under 15 minutes on two cores): each PostgreSQL request costs
#: network round trips. A one-off run of 3000 + 1000 on each back-end found no 5xx either.
LONG_RUN = {False: (1200, 400), True: (400, 150)}


@pytest.mark.slow
def test_no_request_from_the_spec_gets_a_server_error_long_run(world):
    examples, bodies = LONG_RUN[world["postgresql"]]
    run(world, examples=examples)
    run(world, examples=bodies, bodies_only=True)
