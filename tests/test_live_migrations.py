"""The live database's schema under Alembic, on SQLite and on PostgreSQL: a database of the first
released schema (0001, with or without the alembic_version table that issue 10's code did not
make) is refused by `raterkit live` with the command that upgrades it; `raterkit live --upgrade-db`
upgrades it keeping every row, and the old session carries on (an old token still works); a new
database is made by upgrading from empty and then equals raterkit.live.schema exactly; a database
of a newer raterkit is refused plainly, by both commands, and left alone.

The commands run as real processes (several at once where they do not depend on each other); the
server on an upgraded database is the app in-process. The run's PostgreSQL cluster (conftest), a
new database per case; all slow.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, inspect, make_url, select, text

from raterkit.live.app import create_app
from raterkit.live.migrate import FIRST, SchemaError, head, prepare, upgrade
from raterkit.live.schema import consensus, items, metadata, participants, ratings, sessions
from raterkit.live.store import Store, token_hash
from support import LIVE_KEY, ROOT, Postgres, free_port

pytestmark = pytest.mark.slow

QUIZ = "cp1-customer-relations"
ITEMS = ["cp1-01", "cp1-02", "cp1-03", "cp1-04"]
API = "/api/v1"
FACILITATOR = {"Authorization": f"Bearer {LIVE_KEY}"}
#: The tokens the old participants were given (the database keeps only their hashes).
TOKENS = {
    "Ann": "old-token-of-ann-" + "a" * 30,
    "Bo": "old-token-of-bo-" + "b" * 30,
    "Cy": "old-token-of-cy-" + "c" * 30,
}
#: A version no raterkit has made yet.
FUTURE = "0099"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def raterkit_command() -> list[str]:
    """The command a trainer types: the venv's `raterkit` script (or the module when there is none)."""
    script = Path(sys.executable).with_name("raterkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "raterkit.cli"]


def commands(*runs: list[str]) -> list[tuple[int, str, str]]:
    """`raterkit live ...` runs, all at once, each in its own process: (exit code, stdout, stderr) of each.
    A run still going after two minutes (a server that started instead of refusing) is killed and fails."""
    processes = [
        subprocess.Popen(
            [*raterkit_command(), "live", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args in runs
    ]
    said = []
    for process, args in zip(processes, runs, strict=True):
        try:
            out, err = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate(timeout=30)
            pytest.fail(f"raterkit live {' '.join(args)} did not stop: {out}\n{err}")
        said.append((process.returncode, out, err))
    return said


def refused(said: tuple[int, str, str]) -> str:
    """Assert a plain refusal (exit 1, a message on stderr, no traceback); the message."""
    status, out, err = said
    assert status == 1, (status, out, err)
    assert "Traceback" not in out + err and "did not expect" not in err, err
    assert err.startswith("raterkit live: "), err
    return err


# --------------------------------------------------------------------------------------------
# Databases on each back-end


class Databases:
    """New, empty databases of one back-end: ``new()`` gives (the URL the code uses, the --db a user types)."""

    def __init__(self, backend: str, folder: Path, cluster: Postgres | None):
        self.backend = backend
        self.folder = folder
        self.cluster = cluster
        self.made: list[str] = []

    def new(self) -> tuple[str, str]:
        name = f"t_{secrets.token_hex(6)}"
        if self.cluster is None:
            path = self.folder / f"{name}.sqlite"
            return f"sqlite:///{path}", str(path)
        with psycopg.connect(self._admin(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        self.made.append(name)
        url = make_url(self.cluster.url).set(database=name).render_as_string(hide_password=False)
        return url, url.replace("postgresql+psycopg://", "postgresql://")  # as a user writes it

    def _admin(self) -> str:
        assert self.cluster is not None
        return make_url(self.cluster.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.cluster is None:
            return
        with psycopg.connect(self._admin(), autocommit=True) as conn:
            for name in self.made:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    made = Databases(
        request.param, tmp_path, request.getfixturevalue("postgres") if request.param != "sqlite" else None
    )
    yield made
    made.drop()


def engine_of(url: str) -> Engine:
    """An engine as the server makes it (SQLite's pragmas included), without the schema check."""
    return Store(url, check=False).engine


def alembic_config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("raterkit.live") / "migrations"))
    config.attributes["connection"] = connection
    return config


def first_schema(url: str, versioned: bool) -> None:
    """The tables exactly as the first released schema makes them (Alembic run to 0001 only); without
    alembic_version when not ``versioned``, as issue 10's code made them with metadata.create_all."""
    engine = engine_of(url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(alembic_config(conn), FIRST)
        if not versioned:
            conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


def old_session(url: str) -> dict[str, Any]:
    """A workshop in progress in a database of the first schema, written as its code wrote it (the
    database numbers the rows): a consensus session in round 2 (round 1 revealed and agreed on two
    items, the first item of round 2 open and rated by Ann) and a second, self-paced session."""
    engine = engine_of(url)
    with engine.begin() as conn:

        def session(code: str, mode: str, pace: str, round_: int, revision: int) -> int:
            row = {"code": code, "quiz": QUIZ, "mode": mode, "pace": pace, "round": round_, "revision": revision}
            inserted = conn.execute(insert(sessions).values(**row, created="2026-11-30T09:00:00.000Z"))
            return int(inserted.inserted_primary_key[0])  # type: ignore[index]

        def person(session_id: int, name: str) -> int:
            row = {
                "session_id": session_id,
                "name": name,
                "name_key": name.lower(),
                "token_hash": token_hash(TOKENS[name]),
            }
            inserted = conn.execute(insert(participants).values(**row, joined="2026-11-30T09:01:00.000Z"))
            return int(inserted.inserted_primary_key[0])  # type: ignore[index]

        first = session("K7QM2P", "consensus", "facilitator", 2, 9)
        second = session("ABCDEF", "reference", "self", 1, 0)
        round_2 = list(reversed(ITEMS))
        conn.execute(
            insert(items),
            [
                {"session_id": first, "round": 1, "item": i, "position": n, "state": "revealed"}
                for n, i in enumerate(ITEMS)
            ]
            + [
                {"session_id": first, "round": 2, "item": i, "position": n, "state": "open" if n == 0 else "waiting"}
                for n, i in enumerate(round_2)
            ]
            + [
                {"session_id": second, "round": 1, "item": i, "position": n, "state": "open"}
                for n, i in enumerate(ITEMS[:3])
            ],
        )
        ann, bo, cy = person(first, "Ann"), person(first, "Bo"), person(second, "Cy")
        when = "2026-11-30T09:05:00.000Z"
        conn.execute(
            insert(ratings),
            [
                {"session_id": first, "round": 1, "item": i, "participant_id": who, "level": level, "updated": when}
                for i in ITEMS
                for who, level in ((ann, "II"), (bo, "III"))
            ]
            + [
                {
                    "session_id": first,
                    "round": 2,
                    "item": round_2[0],
                    "participant_id": ann,
                    "level": "IV",
                    "updated": when,
                }
            ]
            + [
                {"session_id": second, "round": 1, "item": i, "participant_id": cy, "level": "I", "updated": when}
                for i in ITEMS[:2]
            ],
        )
        conn.execute(
            insert(consensus),
            [
                {"session_id": first, "item": ITEMS[0], "level": "III"},
                {"session_id": first, "item": ITEMS[1], "level": "II"},
            ],
        )
    engine.dispose()
    return {"code": "K7QM2P", "open": round_2[0], "round_2": round_2}


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but alembic_version, by table, in a stable order."""
    engine = engine_of(url)
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        rows = {name: sorted(tuple(r) for r in conn.execute(text(f"SELECT * FROM {name}"))) for name in names}
    engine.dispose()
    return rows


def version_and_differences(url: str) -> tuple[str | None, list[Any]]:
    """alembic_version's revision, and Alembic's differences between the tables and raterkit.live.schema."""
    engine = engine_of(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        found = context.get_current_revision(), compare_metadata(context, metadata)
    engine.dispose()
    return found


# --------------------------------------------------------------------------------------------
# The first released schema: refused, upgraded keeping every row, then the session carries on


def test_a_database_of_the_first_schema_is_refused_then_upgraded_keeping_every_row(databases, catalog):
    cases = {}
    for versioned in (True, False):
        url, typed = databases.new()
        first_schema(url, versioned)
        cases[versioned] = (url, typed, old_session(url), every_row(url))
    assert set(cases[True][3]) == {"live_sessions", "live_items", "live_consensus", "live_participants", "live_ratings"}
    assert cases[True][3] == cases[False][3]
    assert [len(cases[True][3][t]) for t in ("live_sessions", "live_items", "live_participants", "live_ratings")] == [
        2,
        11,
        3,
        11,
    ]

    # `raterkit live` refuses to start on either, naming the command that upgrades it.
    said = commands(
        *(
            ["--db", typed, "--port", str(free_port()), "--facilitator-key", LIVE_KEY]
            for _, typed, _, _ in cases.values()
        )
    )
    for (_, typed, _, _), answer in zip(cases.values(), said, strict=True):
        message = refused(answer)
        assert "raterkit live --upgrade-db" in message and "older schema (0001)" in message and head() in message
        assert typed.split("://")[-1].split("/")[-1] in message  # the database is named
    for url, _, _, rows in cases.values():
        assert every_row(url) == rows, "a refused start changed the database"

    # `raterkit live --upgrade-db` upgrades both, keeping every row.
    said = commands(*(["--upgrade-db", "--db", typed] for _, typed, _, _ in cases.values()))
    for (url, _, _, rows), (status, out, err) in zip(cases.values(), said, strict=True):
        assert status == 0, err
        assert "Traceback" not in out + err
        assert out.strip().endswith(f"is at schema {head()} (it was at 0001); every row was kept."), out
        after = every_row(url)
        assert {name: after[name] for name in rows} == rows
        assert after["live_failed_joins"] == []
        assert version_and_differences(url) == (head(), [])
    # Upgrading again changes nothing.
    engine = engine_of(cases[False][0])
    assert upgrade(engine) == (head(), head())
    engine.dispose()
    assert every_row(cases[False][0]) == {**cases[False][3], "live_failed_joins": []}

    # The server starts on each, and the old session carries on.
    for url, _, session, rows in cases.values():
        carry_on(catalog, url, session, rows)


def carry_on(catalog: Any, url: str, session: dict[str, Any], rows: dict[str, list[tuple[Any, ...]]]) -> None:
    code, open_item = session["code"], session["open"]
    app = create_app(catalog, url, LIVE_KEY)
    try:
        with TestClient(app) as client:
            # An old token still works: the participant's own view, as before the upgrade.
            mine = client.get(f"{API}/sessions/{code}/state", headers=bearer(TOKENS["Ann"]))
            assert mine.status_code == 200, mine.text
            view = mine.json()
            assert (view["name"], view["round"], view["mine"]) == ("Ann", 2, {open_item: "IV"})
            assert [(i["id"], i["state"]) for i in view["items"]] == [(open_item, "open")] and view["waiting"] == 3
            # The console shows the session as it was: round 2, the agreed levels, who has rated.
            console = client.get(f"{API}/sessions/{code}", headers=FACILITATOR).json()
            assert console["round"] == 2 and console["mode"] == "consensus" and console["revision"] == 9
            assert [p["name"] for p in console["participants"]] == ["Ann", "Bo"]
            assert {i["id"]: i["consensus"] for i in console["items"]} == {
                ITEMS[0]: "III",
                ITEMS[1]: "II",
                ITEMS[2]: None,
                ITEMS[3]: None,
            }
            assert {i["id"]: i["raters"] for i in console["items"]}[open_item] == ["Ann"]
            # Rating goes on (an old participant, and one joining now), then the trainer reveals.
            for name, level in (("Ann", "I"), ("Bo", "II")):
                put = client.put(
                    f"{API}/sessions/{code}/items/{open_item}/rating",
                    json={"rating": level},
                    headers=bearer(TOKENS[name]),
                )
                assert put.status_code == 200, put.text
            joined = client.post(f"{API}/sessions/{code}/participants", json={"name": "Dee"})
            assert joined.status_code == 201, joined.text
            put = client.put(
                f"{API}/sessions/{code}/items/{open_item}/rating",
                json={"rating": "III"},
                headers=bearer(joined.json()["token"]),
            )
            assert put.status_code == 200, put.text
            revealed = client.post(f"{API}/sessions/{code}/items/{open_item}/reveal", headers=FACILITATOR)
            assert revealed.status_code == 200, revealed.text
            assert revealed.json()["revision"] == 10
            # Round 1's ratings are the old rows, untouched; round 2 has the new ones.
            csv = client.get(f"{API}/sessions/{code}/ratings.csv", headers=FACILITATOR).text.splitlines()
            assert len(csv) == 1 + 8 + 3
            assert sum(line.endswith(",1,2026-11-30T09:05:00.000Z") for line in csv) == 8
            # The other old session answers its own participant, and a new session can be made.
            other = client.get(f"{API}/sessions/ABCDEF/state", headers=bearer(TOKENS["Cy"]))
            assert other.status_code == 200 and other.json()["mine"] == {ITEMS[0]: "I", ITEMS[1]: "I"}
            made = client.post(f"{API}/sessions", json={"quiz": QUIZ}, headers=FACILITATOR)
            assert made.status_code == 201, made.text
    finally:
        app.state.room.store.close()
    engine = engine_of(url)
    with engine.connect() as conn:  # every old row still there (Ann's round 2 rating changed), Bo's and Dee's added
        assert conn.execute(select(func.count()).select_from(ratings)).scalar_one() == len(rows["live_ratings"]) + 2
    engine.dispose()


# --------------------------------------------------------------------------------------------
# A new database, and one of a newer raterkit


def test_a_new_database_is_made_by_upgrading_from_empty(databases):
    url, _ = databases.new()
    store = Store(url)
    store.close()
    assert version_and_differences(url) == (head(), [])
    engine = engine_of(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {*metadata.tables, "alembic_version"}
    engine.dispose()
    Store(url).close()  # a database at the code's schema is used as it is


def test_a_database_of_a_newer_raterkit_is_refused_plainly_and_left_alone(databases):
    url, typed = databases.new()
    Store(url).close()
    engine = engine_of(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    engine.dispose()
    rows = every_row(url)
    engine = engine_of(url)
    with pytest.raises(SchemaError, match=f"made by a newer raterkit \\(schema {FUTURE}"):
        prepare(engine, "here")
    engine.dispose()
    said = commands(
        ["--db", typed, "--port", str(free_port()), "--facilitator-key", LIVE_KEY], ["--upgrade-db", "--db", typed]
    )
    for answer in said:
        message = refused(answer)
        assert f"was made by a newer raterkit (schema {FUTURE}; this one knows up to {head()})" in message
        assert "Upgrade raterkit, or use another database." in message
    assert version_and_differences(url)[0] == FUTURE
    assert every_row(url) == rows
