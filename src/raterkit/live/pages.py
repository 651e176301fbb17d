"""The live pages (placeholder until the pages land): the join form, the participant page and the console."""

from __future__ import annotations

from fastapi import APIRouter

from .auth import Auth
from .events import Hub
from .room import Room


def page_router(room: Room, auth: Auth, hub: Hub) -> APIRouter:
    return APIRouter()
