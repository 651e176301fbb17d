"""The live server as an ASGI application: the JSON API, the pages, the event streams, and the
rules every response follows (a Content-Security-Policy, size limits, plain 4xx errors).

``create_app(catalog, database_url, facilitator_key)`` is what ``raterkit live`` serves with
uvicorn, and what the tests call.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..catalog import Catalog
from .api import RatingFastPath, api_router
from .api import plain_error as _plain
from .auth import Auth
from .events import Fanout, Hub
from .pages import error_page, page_router
from .room import LiveError, Room
from .store import UNREACHABLE, Store

__all__ = ["BODY_LIMIT", "CSP", "create_app"]

log = logging.getLogger("raterkit.live")

#: The largest request body accepted (a join, a rating, a new session of every item).
BODY_LIMIT = 64 * 1024
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_HEADER = CSP.encode()
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # join codes stay on this server; forms still send their Origin
    (b"x-frame-options", b"DENY"),
]
STATUS_WORDS = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
}


class Guard:
    """ASGI middleware: refuse oversized bodies (413) and non-JSON API bodies (415) before any
    route reads them, and add the security headers to every response, with ``X-Raterkit-Worker``:
    the id of the worker process that answered (several workers share one port; the tests and an
    operator reading a log can tell which one served a request)."""

    def __init__(self, app: ASGIApp, fast: RatingFastPath | None = None):
        self.app = app
        self.fast = fast

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _plain(*refusal)(scope, receive, send)
            return
        chunked = b"content-length" not in headers and b"transfer-encoding" in headers
        match = self.fast.matches(scope) if self.fast is not None else None
        if chunked or match is not None:
            # Read the whole body here: one sent in chunks, of no stated length, so that one too
            # large is a 413 (a route reading it would only see a failed read); and a rating,
            # which the fast path answers from its body.
            first = await self._whole_body(receive)
            if first is None:
                await _plain(413, "The request is too large.")(scope, receive, send)
                return
            receive = self._replaying(first, receive)
            if match is not None:
                assert self.fast is not None
                answer = await self.fast.answer(scope, first.get("body", b""), match)
                if answer is not None:
                    await answer(scope, receive, self._secured(send))
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > BODY_LIMIT:
                    raise LiveError(413, "The request is too large.")
            return message

        await self.app(scope, limited, self._secured(send))

    @staticmethod
    def _secured(send: Send) -> Send:
        """``send`` adding the security headers to the response's start."""

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                extra.append((b"x-raterkit-worker", str(os.getpid()).encode()))
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", CSP_HEADER))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        return secured

    @staticmethod
    def _replaying(first: Message, receive: Receive) -> Receive:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return first
            return await receive()

        return replay

    @staticmethod
    async def _whole_body(receive: Receive) -> Message | None:
        """The request's body read up to :data:`BODY_LIMIT`, as one message (None: too large)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the route see it
                first: Message = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > BODY_LIMIT:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        return first

    @staticmethod
    def _refusal(scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        length = headers.get(b"content-length", b"0")
        if not length.isdigit():
            return 400, "The Content-Length header is not a number."
        if int(length) > BODY_LIMIT:
            return 413, "The request is too large."
        path: str = scope.get("path", "")
        if (
            scope["method"] in ("POST", "PUT", "PATCH")
            and path.startswith("/api/")
            and (int(length) or b"transfer-encoding" in headers)
        ):
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if kind != b"application/json":
                return 415, "Send the body as JSON (Content-Type: application/json)."
        return None


def _wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, not a script) gets its errors as a page."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "The request body is not valid JSON."
    first = errors[0] if errors else {}
    if tuple(first.get("loc", ())) == ("body",):  # a list, a number or a string instead of an object
        return 422, "The request body must be a JSON object: its fields between curly braces { }."
    where = (
        ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")) or "the request"
    )
    kind = first.get("type", "")
    if kind == "missing":
        return 422, f"{where}: this field is required."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return 422, f"{where}: give a whole number."
    if kind in ("string_type", "string_unicode"):
        return 422, f"{where}: give text."
    if kind == "list_type":
        return 422, f"{where}: give a list."
    # pydantic's remaining sentences ("Input should be 'open', 'close' or 'reveal'") read plainly as "must be ...".
    message = (
        str(first.get("msg", "not allowed")).replace("Input should be", "must be").replace("String should", "must")
    )
    return 422, f"{where}: {message}."


def create_app(
    catalog: Catalog,
    database_url: str,
    facilitator_key: str,
    public_url: str = "http://127.0.0.1:8080",
    store: Store | None = None,
    fast_ratings: bool = True,
) -> FastAPI:
    """The live server over ``catalog``'s quizzes and the database at ``database_url``.
    ``fast_ratings=False`` answers ratings through the router alone (the tests compare the two)."""
    if len(facilitator_key) < 8:
        raise ValueError("The facilitator key must be at least 8 characters long.")
    store = store or Store(database_url)
    room = Room(catalog, store, public_url)
    auth = Auth(room, facilitator_key)
    hub = Hub()
    fanout = None if store.sqlite else Fanout(store.url, hub, store.notify)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if fanout is not None:  # several workers share PostgreSQL: hear the others' changes
            fanout.start()
        yield
        await hub.drain()
        if fanout is not None:
            await run_in_threadpool(fanout.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="raterkit live",
        version="1",
        summary="Live calibration sessions: the room rates blind, the trainer reveals, the room discusses and re-rates.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.room = room
    app.state.auth = auth
    app.state.hub = hub

    @app.exception_handler(LiveError)
    async def live_error(request: Request, exc: LiveError) -> JSONResponse:
        return _plain(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _plain(*_validation_message(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = STATUS_WORDS.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else "Not allowed.")
        if _wants_page(request):
            return error_page(exc.status_code, message)
        return _plain(exc.status_code, message)

    async def unavailable(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
        message = "The database cannot be reached just now, so nothing was saved. Try again in a moment."
        if _wants_page(request):
            return error_page(503, message)
        return JSONResponse({"error": message}, status_code=503, headers={"Retry-After": "2"})

    for unreachable in UNREACHABLE:
        app.add_exception_handler(unreachable, unavailable)

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: Exception) -> Response:
        return _plain(422, "A value in this request cannot be stored (it holds a character a database refuses).")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _plain(500, "Something went wrong on the server. Nothing was changed; try again.")

    app.include_router(api_router(room, auth, hub))
    app.include_router(page_router(room, auth, hub))
    app.mount("/assets", StaticFiles(directory=str(files("raterkit.live") / "assets")), name="assets")
    app.add_middleware(Guard, fast=RatingFastPath(room, auth, hub) if fast_ratings else None)
    return app


def openapi_json(app: FastAPI) -> str:
    """The OpenAPI description, as /openapi.json serves it (for the docs page and the tests)."""
    spec: dict[str, Any] = app.openapi()
    return json.dumps(spec, indent=2, ensure_ascii=False)
