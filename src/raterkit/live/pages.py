"""The live pages: the join form, the participant page and the trainer's console.

Thin by design: every view comes from :class:`raterkit.live.room.Room`, every change a page
makes goes through the JSON API (the scripts in ``assets/``) or through the same room and
auth calls the API makes (the join and sign-in forms). Templates are Jinja2 with autoescape on;
the pages carry no inline script or style (the server's Content-Security-Policy forbids both),
and the data a script starts from travels as escaped JSON text in a ``<template>``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader
from starlette.concurrency import run_in_threadpool

from ..rules import alpha_reading
from ..words import MISSING, READING_WORDS, alpha_text, bias_words, count, percent, signed
from .api import REPORT_CSP
from .auth import FACILITATOR_COOKIE, Auth, participant_cookie
from .events import Hub
from .room import NAME_LIMIT, LiveError, Room

__all__ = ["console_words", "error_page", "page_router", "short"]

ENV = Environment(loader=PackageLoader("raterkit.live"), autoescape=True, trim_blocks=True, lstrip_blocks=True)
#: How long a join code typed into the form may be before it is cut (codes are six characters).
CODE_FIELD = 40
SHORT = 110
MODE_WORDS = {
    "reference": "the quiz's reference levels",
    "consensus": "the level the room agrees",
}
PACE_WORDS = {"facilitator": "trainer-paced", "self": "self-paced"}


def short(text: str, limit: int = SHORT) -> str:
    """``text`` cut at a word boundary to about ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


#: The server's ``no-referrer`` makes a browser send ``Origin: null`` with a form it posts, which
#: the origin check refuses; ``same-origin`` sends the page's own origin there and nothing elsewhere.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def error_page(status: int, message: str, back: str = "/", back_text: str = "Back to the join page") -> HTMLResponse:
    """A plain page saying what did not work, with the way back."""
    return _page("error.html", status=status, message=message, back=back, back_text=back_text)


def _data(value: Any) -> str:
    """JSON for a page's ``<template>``: the template escapes it, the browser reads it back as text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _field(form: Any, name: str, limit: int = 1000) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def console_words(view: dict[str, Any]) -> dict[str, Any]:
    """The console's statistics in words (raterkit.words), beside the numbers of ``view``."""
    number = {item["id"]: item["position"] + 1 for item in view["items"]}
    behaviour = {item["id"]: item["behaviour"] for item in view["items"]}
    out: dict[str, Any] = {"revision": view["revision"], "stats": None, "change": None}
    stats = view.get("stats")
    if stats:
        alpha = stats["alpha"]
        out["stats"] = {
            "scope": f"Over {count(stats['items'], 'closed behaviour')} and {count(stats['raters'], 'rater')}.",
            "alpha": None if alpha_reading(alpha) == "not defined" else alpha_text(alpha),
            "reading": READING_WORDS[alpha_reading(alpha)],
            "exact": None if stats["exact"] is None else percent(stats["exact"]),
            "discuss": [
                {
                    "item": item,
                    "label": f"Behaviour {number.get(item, '?')}",
                    "text": short(behaviour.get(item, ""), 80),
                }
                for item in stats["discuss_first"]
            ],
            "raters": [
                {"rater": r["rater"], "n": r["n"], "exact": percent(r["exact"]), "bias": bias_words(r["bias"])}
                for r in stats["per_rater"]
            ],
        }
    change = view.get("change")
    if change:
        alpha = change["alpha"]
        out["change"] = {
            "before": alpha_text(alpha["before"]),
            "after": alpha_text(alpha["after"]),
            "change": MISSING if alpha["change"] is None else signed(alpha["change"]),
            "raters": [
                {
                    "rater": r["rater"],
                    "exact_before": percent(r["exact_before"]),
                    "exact_after": percent(r["exact_after"]),
                    "bias_before": bias_words(r["bias_before"]),
                    "bias_after": bias_words(r["bias_after"]),
                    "changes": MISSING if r["changes"] is None else str(int(r["changes"])),
                }
                for r in change["per_rater"]
            ],
        }
    return out


def page_router(room: Room, auth: Auth, hub: Hub) -> APIRouter:
    """The HTML pages over one room."""
    pages = APIRouter(include_in_schema=False)

    def refused(error: LiveError, back: str = "/", back_text: str = "Back to the join page") -> HTMLResponse:
        return error_page(error.status, error.message, back, back_text)

    def signed_in(request: Request) -> bool:
        """The console's pages are read with the console cookie (the checks of the API's trainer routes)."""
        try:
            auth.facilitator(request)
        except LiveError:
            return False
        return True

    def console_csrf(request: Request) -> str:
        return auth.csrf(request.cookies.get(FACILITATOR_COOKIE, ""))

    # ----------------------------------------------------------------------------------------
    # Joining

    def join_form(code: str = "", name: str = "", error: str | None = None, status: int = 200) -> HTMLResponse:
        return _page(
            "join.html", status=status, code=code, name=name, error=error, name_limit=NAME_LIMIT, code_limit=CODE_FIELD
        )

    @pages.get("/", response_class=HTMLResponse)
    async def home() -> HTMLResponse:
        return join_form()

    @pages.get("/join/{code}", response_class=HTMLResponse)
    async def join_with_code(code: str) -> HTMLResponse:
        # The same page for every code: whether it exists shows only when the form is sent.
        return join_form(code=code.strip().upper()[:CODE_FIELD])

    @pages.get("/join")
    async def join_again() -> Response:
        return RedirectResponse("/", status_code=303)

    @pages.post("/join", response_class=HTMLResponse)
    async def join(request: Request) -> Response:
        form = await request.form()
        code, name = _field(form, "code", CODE_FIELD * 2).strip(), _field(form, "name")
        client = _client(request)
        try:
            auth.check_origin(request)
            auth.failed_joins.check(client)
            if not code:
                raise LiveError(422, "Type the session code shown on the trainer's screen.")
            try:
                token, participant = await run_in_threadpool(room.join, code, name)
            except LiveError as error:
                if error.status == 404:
                    auth.failed_joins.failed(client)
                raise
        except LiveError as error:
            return join_form(code=code[:CODE_FIELD], name=name[:200], error=error.message, status=error.status)
        session_code = participant.code
        await hub.changed(f"f:{session_code}")
        response = RedirectResponse(f"/s/{session_code}", status_code=303)
        auth.set_participant_cookie(response, session_code, token)
        return response

    # ----------------------------------------------------------------------------------------
    # The participant page

    @pages.get("/s/{code}", response_class=HTMLResponse)
    async def participant_page(request: Request, code: str) -> Response:
        token = request.cookies.get(participant_cookie(code))
        try:
            participant = await run_in_threadpool(room.participant, code, token)
            view = await run_in_threadpool(room.participant_view, participant)
        except LiveError:
            return RedirectResponse(f"/join/{quote(code.strip().upper()[:CODE_FIELD], safe='')}", status_code=303)
        # The items come from GET .../state once the page has loaded: the page itself holds no
        # part of any item's key, even after its reveal.
        return _page("participant.html", view=view, csrf=auth.csrf(token or ""))

    # ----------------------------------------------------------------------------------------
    # The console: signing in and out, the sessions, a new session

    def sign_in_form(error: str | None = None, status: int = 200) -> HTMLResponse:
        return _page("console_login.html", status=status, error=error)

    def session_list(
        request: Request, error: str | None = None, status: int = 200, chosen: dict[str, Any] | None = None
    ) -> Response:
        rows = room.store.sessions()
        quizzes = room.quizzes()
        sessions = [
            {
                "code": s.code,
                "title": room.catalog.quizzes[s.quiz].title if s.quiz in room.catalog.quizzes else s.quiz,
                "mode": s.mode,
                "pace": PACE_WORDS.get(s.pace, s.pace),
                "round": s.round,
                "created": s.created[:16].replace("T", " "),
            }
            for s in rows
        ]
        for quiz in quizzes:
            for item in quiz["items"]:
                item["short"] = short(item["behaviour"], 90)
        return _page(
            "console_list.html",
            status=status,
            sessions=sessions,
            quizzes=quizzes,
            error=error,
            chosen=chosen or {},
            csrf=console_csrf(request),
        )

    @pages.get("/console", response_class=HTMLResponse)
    async def console(request: Request) -> Response:
        if not signed_in(request):
            return sign_in_form()
        return await run_in_threadpool(session_list, request)

    @pages.get("/console/login")
    async def sign_in_again() -> Response:
        return RedirectResponse("/console", status_code=303)

    @pages.post("/console/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await request.form()
        client = _client(request)
        try:
            auth.check_origin(request)
            auth.failed_joins.check(client)
        except LiveError as error:
            if error.status == 429:  # wrong keys and wrong join codes count together
                return sign_in_form(
                    "Too many wrong keys or codes from this device. Wait a minute, then try again.", 429
                )
            return sign_in_form(error.message, error.status)
        if not auth.is_key(_field(form, "key")):
            auth.failed_joins.failed(client)
            return sign_in_form(
                "That is not the facilitator key. Check it (it was given when the server was started) and try again.",
                401,
            )
        response = RedirectResponse("/console", status_code=303)
        auth.set_cookie(response, FACILITATOR_COOKIE, auth.console_cookie())
        return response

    @pages.post("/console/logout")
    async def logout(request: Request) -> Response:
        try:
            auth.check_origin(request)
        except LiveError as error:
            return refused(error, "/console", "Back to the console")
        response = RedirectResponse("/console", status_code=303)
        auth.forget_cookie(response, FACILITATOR_COOKIE)
        return response

    @pages.post("/console/sessions", response_class=HTMLResponse)
    async def create(request: Request) -> Response:
        form = await request.form()
        try:
            auth.facilitator(request, form_token=_field(form, "csrf"))
        except LiveError as error:
            if error.status == 401:
                return sign_in_form("Sign in again: your session with the console has ended.", 401)
            return refused(error, "/console", "Back to the console")
        quiz_id = _field(form, "quiz")
        mode, pace = _field(form, "mode") or "reference", _field(form, "pace") or "facilitator"
        ticked = [value for value in form.getlist("items") if isinstance(value, str)]
        chosen = {"quiz": quiz_id, "mode": mode, "pace": pace, "items": set(ticked)}
        try:
            quiz = room.catalog.quizzes.get(quiz_id)
            # Every quiz's boxes are on the form: only the chosen quiz's count.
            items = [item.id for item in quiz.items if item.id in set(ticked)] if quiz else None
            if quiz is not None and not items:
                raise LiveError(422, "Tick at least one behaviour for the session to rate.")
            code = await run_in_threadpool(room.create, quiz_id, items, mode, pace)
        except LiveError as error:
            return await run_in_threadpool(session_list, request, error.message, error.status, chosen)
        return RedirectResponse(f"/console/{code}", status_code=303)

    # ----------------------------------------------------------------------------------------
    # One session's console

    @pages.get("/console/{code}", response_class=HTMLResponse)
    async def session_console(request: Request, code: str) -> Response:
        if not signed_in(request):
            return RedirectResponse("/console", status_code=303)
        try:
            view = await run_in_threadpool(room.facilitator_view, code)
        except LiveError as error:
            return refused(error, "/console", "Back to your sessions")
        return _page(
            "console_session.html",
            view=view,
            data=_data({"view": view, "words": console_words(view)}),
            csrf=console_csrf(request),
            mode_words=MODE_WORDS.get(view["mode"], view["mode"]),
            pace_words=PACE_WORDS.get(view["pace"], view["pace"]),
        )

    @pages.get("/console/{code}/words")
    async def session_words(request: Request, code: str) -> JSONResponse:
        """The statistics in words, for the console's script once the numbers have changed."""
        await run_in_threadpool(auth.facilitator, request)
        view = await run_in_threadpool(room.facilitator_view, code)
        return JSONResponse(console_words(view), headers={"Cache-Control": "no-store"})

    @pages.get("/console/{code}/report", response_class=HTMLResponse)
    async def report(request: Request, code: str) -> Response:
        if not signed_in(request):
            return RedirectResponse("/console", status_code=303)
        try:
            html = await run_in_threadpool(room.report, code)
        except LiveError as error:
            return refused(
                error, f"/console/{quote(code.strip().upper()[:CODE_FIELD], safe='')}", "Back to the console"
            )
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"})

    return pages
