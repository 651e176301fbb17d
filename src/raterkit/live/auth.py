"""Who is asking: the facilitator (by key), a participant (by token) or nobody; and whether a
request that changes something came from our own pages.

Scripts send ``Authorization: Bearer <key or token>``. The browser pages keep the same secret
in an HttpOnly, SameSite=Strict cookie instead, and every state-changing request made with a
cookie must carry ``X-CSRF-Token`` (or the form field ``csrf``): a value derived from the
cookie with the facilitator key, which a page of another site cannot read. A request whose
``Origin`` names another site is refused whatever it carries.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import cast

from starlette.requests import Request
from starlette.responses import Response

from .room import LiveError, Participant, Room
from .store import Store

__all__ = ["FACILITATOR_COOKIE", "Auth", "FailedJoins", "participant_cookie"]

FACILITATOR_COOKIE = "rk_f"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def participant_cookie(code: str) -> str:
    return f"rk_p_{code.strip().upper()}"


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class FailedJoins:
    """Wrong join codes (and keys) per client: after ``limit`` in ``window`` seconds, that client waits.

    Counted in the database, so every worker process applies the same limit."""

    def __init__(self, store: Store, limit: int = 10, window: float = 60.0):
        self.store = store
        self.limit = limit
        self.window = window

    def check(self, client: str) -> None:
        if self.store.failures(client[:100], time.time() - self.window) >= self.limit:
            raise LiveError(
                429, "Too many wrong codes from this device. Wait a minute, then check the code and try again."
            )

    def failed(self, client: str) -> None:
        self.store.failed(client[:100], time.time(), forget_before=time.time() - self.window)


class Auth:
    """The facilitator key and the checks every route makes with it."""

    def __init__(self, room: Room, facilitator_key: str):
        self.room = room
        self.key = facilitator_key
        self.failed_joins = FailedJoins(room.store)
        #: Served over HTTPS (its public address, behind a proxy): cookies are then sent over HTTPS only.
        self.secure = room.public_url.startswith("https://")

    def set_cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        """Every cookie the server sets: HttpOnly, SameSite=Strict, for the whole site, and Secure
        when the server's public address is HTTPS."""
        response.set_cookie(
            name, value, max_age=max_age, path="/", secure=self.secure, httponly=True, samesite="strict"
        )

    def forget_cookie(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="strict")

    def set_participant_cookie(self, response: Response, code: str, token: str) -> None:
        self.set_cookie(response, participant_cookie(code), token, max_age=7 * 24 * 3600)

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(
            self.key.encode(), f"{purpose}:{value}".encode("utf-8", "surrogatepass"), hashlib.sha256
        ).hexdigest()

    def console_cookie(self) -> str:
        """The console cookie's value: derived from the key, so a changed key signs everyone out."""
        return self._sign("console", "facilitator")

    def csrf(self, secret: str) -> str:
        """The token a page sends with each change, derived from its cookie."""
        return self._sign("csrf", secret)

    def is_key(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode("utf-8", "surrogatepass"), self.key.encode())

    @staticmethod
    def check_origin(request: Request) -> None:
        """Refuse a change requested from another site's page."""
        origin = request.headers.get("origin")
        if request.method in UNSAFE and origin not in (None, "null"):
            host = request.headers.get("host", "")
            if origin.split("://", 1)[-1] != host:
                raise LiveError(403, "This request came from another web site and was refused.")
        if request.method in UNSAFE and origin == "null":
            raise LiveError(403, "This request came from a page without an address and was refused.")

    def _check_csrf(self, request: Request, secret: str, form_token: str | None = None) -> None:
        if request.method not in UNSAFE:
            return
        sent = request.headers.get("x-csrf-token") or form_token or ""
        if not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), self.csrf(secret).encode()):
            raise LiveError(403, "This page has expired: reload it and try again.")

    def facilitator(self, request: Request, form_token: str | None = None) -> None:
        """Pass only the facilitator: 401 for nobody, 403 for a participant."""
        self.check_origin(request)
        token = bearer(request)
        if token is not None:
            if self.is_key(token):
                return
            if self.room.store.participant_by_token(token) is not None:
                raise LiveError(403, "Only the trainer can do this.")
            raise LiveError(401, "This needs the facilitator key (Authorization: Bearer <key>).")
        cookie = request.cookies.get(FACILITATOR_COOKIE)
        if cookie is not None and hmac.compare_digest(
            cookie.encode("utf-8", "surrogatepass"), self.console_cookie().encode()
        ):
            self._check_csrf(request, cookie, form_token)
            return
        if any(name.startswith("rk_p_") for name in request.cookies):
            raise LiveError(403, "Only the trainer can do this.")
        raise LiveError(401, "Sign in to the console with the facilitator key first.")

    def participant(self, request: Request, code: str) -> Participant:
        """The participant making the request in session ``code``: 401 for nobody, 403 for the trainer."""
        return cast(Participant, self._participant(request, code, self.room.participant))  # someone, or it raised

    def known_participant(self, request: Request, code: str) -> Participant | None:
        """:meth:`participant` without a query, for a token this process has seen; None for any other."""
        return self._participant(request, code, self.room.known_participant)

    def _participant(
        self, request: Request, code: str, lookup: Callable[[str, str | None], Participant | None]
    ) -> Participant | None:
        self.check_origin(request)
        token = bearer(request)
        from_cookie = token is None
        if from_cookie:
            token = request.cookies.get(participant_cookie(code))
        elif self.is_key(token):
            raise LiveError(403, "The trainer does not rate: join as a participant with a name to rate.")
        participant = lookup(code, token)
        if participant is not None and from_cookie and token is not None:
            self._check_csrf(request, token)
        return participant
