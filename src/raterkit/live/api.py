"""The JSON API under ``/api/v1``: what scripts and the live pages call.

Each route checks the caller's role first (:class:`raterkit.live.auth.Auth`), runs the
operation of :class:`raterkit.live.room.Room` in a worker thread (it commits before returning),
then wakes the event streams. Errors are ``{"error": "<plain sentence>"}`` with a 4xx status.
"""

# No "from __future__ import annotations": FastAPI reads these annotations, some of them local.

import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, Security
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.routing import get_route_path
from starlette.types import Scope

from .auth import Auth
from .events import Hub
from .qr import qr_svg
from .room import NAME_LIMIT, LiveError, Participant, Room, join_code
from .store import UNREACHABLE

__all__ = ["REPORT_CSP", "RatingFastPath", "announce", "api_router", "plain_error"]

#: The console gathers the changes of this many seconds into one update: a room rating at once
#: would otherwise have it rebuilt several times a second, for eyes that read it once a second.
CONSOLE_SETTLE = 1.0

#: The report is one self-contained page: its own inline styles, data-URI images, no script.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NewSession(_Body):
    quiz: str = Field(max_length=200, description="A quiz id (GET /api/v1/quizzes lists them).")
    items: list[str] | None = Field(default=None, max_length=500, description="Item ids to rate; all when left out.")
    mode: Literal["reference", "consensus"] = "reference"
    pace: Literal["facilitator", "self"] = "facilitator"


class Join(_Body):
    name: str = Field(min_length=1, max_length=200, description=f"A display name, at most {NAME_LIMIT} characters.")


#: The longest rating text accepted (a level's id or label is far shorter).
RATING_LIMIT = 200


class Rating(_Body):
    rating: str = Field(max_length=RATING_LIMIT, description="A level id or label of the scale, in any case.")


class Level(_Body):
    level: str = Field(max_length=200, description="A level id or label of the scale.")


class Error(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Error, "description": text}
    for status, text in (
        (400, "The body is not valid JSON."),
        (401, "No key or token, or an unknown one."),
        (403, "Another role's operation, or a request from another site."),
        (404, "Unknown session or item."),
        (409, "Not possible in the item's or session's state (closed item, taken name)."),
        (413, "The body is too large."),
        (415, "The body is not JSON."),
        (422, "A value is not allowed (a level not on the scale, an unknown quiz)."),
        (429, "Too many wrong join codes from this client."),
    )
}


def plain_error(status: int, message: str) -> JSONResponse:
    """Every error the API answers: ``{"error": "<plain sentence>"}`` with its status."""
    # A message may quote what was sent; text that is not Unicode (a lone surrogate) is written as "?".
    return JSONResponse({"error": message.encode("utf-8", "replace").decode("utf-8")}, status_code=status)


async def announce(hub: Hub, code: str, participants: bool) -> None:
    """Wake the streams that show session ``code``: the console's, and the participants' too when
    what they see has changed."""
    code = join_code(code) or code  # the topics are named by the code as stored
    await hub.changed(f"f:{code}", *([f"p:{code}"] if participants else []))


#: ``PUT /api/v1/sessions/{code}/items/{item}/rating``, as the router matches it (a segment each).
RATING_PATH = re.compile(r"/api/v1/sessions/([^/]+)/items/([^/]+)/rating")


class RatingFastPath:
    """The request a room sends most, a rating, answered without the framework's routing,
    dependency solving and validation layers: by measurement they cost more CPU than the rating
    itself (benchmarks/live.py; docs/deploy.md). It answers only what it can answer exactly as the
    ``rate`` route below would, for a participant this process already knows, with a body that
    route would accept; every other request (a stranger, a malformed body) goes on to the router,
    which gives the one true answer. The checks themselves are the route's: the same
    :class:`Auth` and :meth:`Room.rate`."""

    def __init__(self, room: Room, auth: Auth, hub: Hub):
        self.room = room
        self.auth = auth
        self.hub = hub

    @staticmethod
    def matches(scope: Scope) -> re.Match[str] | None:
        return RATING_PATH.fullmatch(get_route_path(scope)) if scope["method"] == "PUT" else None

    async def answer(self, scope: Scope, body: bytes, match: re.Match[str]) -> Response | None:
        """The response to the rating in ``body``, or None: let the router answer."""
        rating = _rating_in(body)
        if rating is None:
            return None
        code, item = match.groups()
        request = Request(scope)
        try:
            participant = self.auth.known_participant(request, code)
            if participant is None:
                return None
            result = await run_in_threadpool(self.room.rate, participant, item, rating)
        except LiveError as error:
            return plain_error(error.status, error.message)
        except Exception:  # the database, a value it refuses: the router's handlers say it in one place
            return None
        await announce(self.hub, participant.code, participants=False)
        return JSONResponse(result)


def _rating_in(body: bytes) -> str | None:
    """The rating of a body the ``Rating`` model accepts as it is (a JSON object whose ``rating`` is
    text within its length), or None for any other body."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    rating = data.get("rating") if isinstance(data, dict) else None
    if not isinstance(rating, str) or len(rating) > RATING_LIMIT:
        return None
    try:
        rating.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return rating


def api_router(room: Room, auth: Auth, hub: Hub) -> APIRouter:
    """The routes of ``/api/v1`` over one room."""
    bearer_scheme = HTTPBearer(
        auto_error=False,
        description="The facilitator key (trainer's calls) or a participant token (from joining).",
    )

    Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)]

    async def facilitator(request: Request, _: Credentials) -> None:
        """Checked before the body is read: a caller without the role learns nothing about the body."""
        await run_in_threadpool(auth.facilitator, request)

    async def who(request: Request, code: str, _: Credentials) -> Participant:
        """Someone seen before is known without a query (and without a thread); anyone else is looked up."""
        known = auth.known_participant(request, code)
        return known if known is not None else await run_in_threadpool(auth.participant, request, code)

    api = APIRouter(prefix="/api/v1", responses=ERRORS)
    trainer = [Depends(facilitator)]
    Caller = Annotated[Participant, Depends(who)]

    async def changed(code: str, participants: bool) -> None:
        await announce(hub, code, participants)

    async def facilitator_view(code: str) -> dict[str, Any]:
        return await run_in_threadpool(room.facilitator_view, code)

    async def change(code: str, operation: Callable[..., Any], *args: Any) -> dict[str, Any]:
        """A trainer's change: carried out and committed, the streams woken, the console's view returned."""
        await run_in_threadpool(operation, code, *args)
        await changed(code, participants=True)
        try:
            return await facilitator_view(code)
        except UNREACHABLE:  # the change is committed: say so, rather than "nothing was saved"
            raise LiveError(
                503,
                "Done: the change is saved, but the database could not be reached to show it. "
                "Reload the console in a moment.",
            ) from None

    def trainer_call(method: str, path: str, summary: str, **options: Any) -> Callable[[Any], Any]:
        return api.api_route(
            path, methods=[method], tags=["facilitator"], dependencies=trainer, summary=summary, **options
        )

    # ----------------------------------------------------------------------------------------
    # The trainer

    @trainer_call("GET", "/quizzes", "The quizzes a session can be made from")
    async def quizzes(request: Request) -> list[dict[str, Any]]:
        return room.quizzes()

    @trainer_call("POST", "/sessions", "Create a session", status_code=201)
    async def create_session(request: Request, body: NewSession) -> dict[str, Any]:
        code = await run_in_threadpool(room.create, body.quiz, body.items, body.mode, body.pace)
        return await facilitator_view(code)

    @trainer_call("GET", "/sessions", "Every session, newest first")
    async def sessions(request: Request) -> list[dict[str, Any]]:
        rows = await run_in_threadpool(room.store.sessions)
        return [
            {
                "code": s.code,
                "quiz": s.quiz,
                "title": room.catalog.quizzes[s.quiz].title if s.quiz in room.catalog.quizzes else s.quiz,
                "mode": s.mode,
                "pace": s.pace,
                "round": s.round,
                "created": s.created,
            }
            for s in rows
        ]

    @trainer_call("GET", "/sessions/{code}", "The console's view of a session")
    async def session(request: Request, code: str) -> dict[str, Any]:
        return await facilitator_view(code)

    @trainer_call("POST", "/sessions/{code}/items/{item}/{action}", "Open, close or reveal an item")
    async def item_action(
        request: Request, code: str, item: str, action: Literal["open", "close", "reveal"]
    ) -> dict[str, Any]:
        return await change(code, room.act, item, action)

    @trainer_call("POST", "/sessions/{code}/reveal", "Close and reveal every item of the round")
    async def reveal_all(request: Request, code: str) -> dict[str, Any]:
        return await change(code, room.reveal_all)

    @trainer_call("PUT", "/sessions/{code}/items/{item}/consensus", "Record the level the room agreed")
    async def record(request: Request, code: str, item: str, body: Level) -> dict[str, Any]:
        return await change(code, room.record, item, body.level)

    @trainer_call("POST", "/sessions/{code}/rounds", "Start the next round", status_code=201)
    async def new_round(request: Request, code: str) -> dict[str, Any]:
        return await change(code, room.new_round)

    @trainer_call(
        "GET",
        "/sessions/{code}/ratings.csv",
        "Every rating in the response format, with a round column",
        response_class=PlainTextResponse,
    )
    async def ratings_csv(
        request: Request, code: str, round: int | None = Query(default=None, ge=1, le=1000)
    ) -> Response:
        text = await run_in_threadpool(room.csv, code, round)
        name = f"raterkit-{code.upper()}" + (f"-round{round}" if round else "") + ".csv"
        return Response(
            text.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @trainer_call("GET", "/sessions/{code}/report", "The workshop report", response_class=HTMLResponse)
    async def report(request: Request, code: str) -> Response:
        page = await run_in_threadpool(room.report, code)
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": REPORT_CSP,
                "Content-Disposition": f'inline; filename="raterkit-{code.upper()}-report.html"',
            },
        )

    @trainer_call("GET", "/sessions/{code}/qr.svg", "The join address as a QR code")
    async def qr(request: Request, code: str) -> Response:
        session = await run_in_threadpool(room.session, code)
        return Response(qr_svg(room.join_url(session.code)), media_type="image/svg+xml")

    @trainer_call("GET", "/sessions/{code}/console-events", "Live updates of the console's view")
    async def console_events(request: Request, code: str) -> EventSourceResponse:
        session = await run_in_threadpool(room.session, code)
        return EventSourceResponse(
            hub.stream(f"f:{session.code}", lambda: room.facilitator_view(session.code), settle=CONSOLE_SETTLE),
            ping=15,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    # ----------------------------------------------------------------------------------------
    # The trainees

    @api.post("/sessions/{code}/participants", tags=["participant"], status_code=201, summary="Join a session")
    async def join(request: Request, code: str, body: Join) -> JSONResponse:
        auth.check_origin(request)
        client = request.client.host if request.client else "unknown"
        auth.failed_joins.check(client)
        try:
            token, participant = await run_in_threadpool(room.join, code, body.name)
        except LiveError as error:
            if error.status == 404:
                auth.failed_joins.failed(client)
            raise
        await changed(participant.code, participants=False)
        response = JSONResponse(
            {"token": token, "name": participant.name, "code": participant.code, "csrf": auth.csrf(token)},
            status_code=201,
        )
        auth.set_participant_cookie(response, participant.code, token)
        return response

    @api.get("/sessions/{code}/state", tags=["participant"], summary="What this participant sees now")
    async def state(participant: Caller) -> dict[str, Any]:
        return await run_in_threadpool(room.participant_view, participant)

    @api.put(
        "/sessions/{code}/items/{item}/rating", tags=["participant"], summary="Rate an open item (or change the rating)"
    )
    async def rate(item: str, body: Rating, participant: Caller) -> dict[str, Any]:
        result = await run_in_threadpool(room.rate, participant, item, body.rating)
        await changed(participant.code, participants=False)
        return result

    @api.get("/sessions/{code}/events", tags=["participant"], summary="Live updates of what participants see")
    async def events(participant: Caller) -> EventSourceResponse:
        # Read from the database before the stream starts, as the console's does: while it cannot be
        # reached, a page connecting is told so (503), not handed the last view this process built.
        session_code = (await run_in_threadpool(room.session, participant.code)).code
        return EventSourceResponse(
            hub.stream(f"p:{session_code}", lambda: room.public_view(session_code)),
            ping=15,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return api
