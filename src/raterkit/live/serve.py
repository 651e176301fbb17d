"""Serving the live app with uvicorn: one process (SQLite, or PostgreSQL) or several worker
processes sharing PostgreSQL, each building its own app from the environment.

The CLI checks everything first (the data, the database and its schema, the port) and then
calls :func:`serve`; a worker process calls :func:`app_from_environment`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI

from ..errors import DataError
from ..load import load_catalog
from .app import create_app

__all__ = ["DATABASE_ENV", "KEY_ENV", "app_from_environment", "serve"]

DATABASE_ENV = "RATERKIT_DATABASE_URL"
KEY_ENV = "RATERKIT_FACILITATOR_KEY"
PUBLIC_URL_ENV = "RATERKIT_PUBLIC_URL"
DATA_ENV = "RATERKIT_DATA"
#: Worker threads hand their answers back to the event loop: a shorter switch interval than
#: CPython's 5 ms lets them do so at once (measured with benchmarks/live.py: rating latency).
SWITCH_INTERVAL = 0.0005
KEEP_ALIVE_SECONDS = 75


def app_from_environment() -> FastAPI:
    """The app of one worker process, from what :func:`serve` put in the environment."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    catalog, problems = load_catalog(os.environ[DATA_ENV].split(os.pathsep))
    if problems:
        raise DataError(problems)
    return create_app(catalog, os.environ[DATABASE_ENV], os.environ[KEY_ENV], public_url=os.environ[PUBLIC_URL_ENV])


def serve(
    app: FastAPI,
    host: str,
    port: int,
    *,
    workers: int = 1,
    database_url: str = "",
    key: str = "",
    public_url: str = "",
    data: Sequence[str] = (),
) -> None:
    """Serve ``app`` in this process, or, with ``workers`` > 1, the same app built afresh in each
    of that many worker processes (the database must be PostgreSQL, already at the code's schema)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    options = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "timeout_graceful_shutdown": 3,
        # A trainee's phone is idle between ratings for longer than uvicorn's 5 s: keep its connection
        # (as nginx keeps one for 75 s) instead of making it connect again for every rating.
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }
    if workers <= 1:
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    os.environ.update(
        {DATABASE_ENV: database_url, KEY_ENV: key, PUBLIC_URL_ENV: public_url, DATA_ENV: os.pathsep.join(data)}
    )
    uvicorn.run("raterkit.live.serve:app_from_environment", factory=True, workers=workers, **options)  # type: ignore[arg-type]
