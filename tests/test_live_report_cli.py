"""`raterkit report --db ... --session CODE`: a finished live session's workshop report read straight
from the live server's database gives the very page the console's report link gives, and every
way it cannot be made is said plainly (exit 1), as is a command given neither or both sources
(exit 2).

A session is run through the API in-process (FastAPI's TestClient) on conftest's ``live_db``: a
SQLite file, and a new PostgreSQL database (slow: the cluster starts once per run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from raterkit.cli import main
from raterkit.live.app import create_app
from raterkit.live.schema import metadata
from support import FRAMEWORKS, LIVE_KEY, QUIZ, free_port

QUIZ_ID = "cp1-customer-relations"
API = "/api/v1"
KEY = {"Authorization": f"Bearer {LIVE_KEY}"}
ITEMS = ["cp1-01", "cp1-02", "cp1-03", "cp1-04"]
ROUND1 = {"Ann": ["I", "II", "III", "IV"], "Bo": ["II", "II", "III", "III"], "Cy": ["IV", "III", "II", "I"]}
ROUND2 = {"Ann": ["II", "II", "III", "IV"], "Bo": ["II", "III", "III", "IV"], "Cy": ["III", "III", "II", "II"]}
DATA = ["--data", str(FRAMEWORKS), str(QUIZ)]


@pytest.fixture
def client(catalog, live_db) -> Iterator[TestClient]:
    app = create_app(catalog, live_db, LIVE_KEY)
    with TestClient(app) as c:
        yield c
    app.state.room.store.close()


def post(client: TestClient, url: str, **kwargs: Any) -> dict[str, Any]:
    r = client.post(f"{API}{url}", headers=KEY, **kwargs)
    assert r.status_code in (200, 201), r.text
    return r.json()


def rate_round(client: TestClient, code: str, tokens: dict[str, str], levels: dict[str, list[str]]) -> None:
    for name, chosen in levels.items():
        for item, level in zip(ITEMS, chosen, strict=True):
            r = client.put(
                f"{API}/sessions/{code}/items/{item}/rating",
                json={"rating": level},
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
            assert r.status_code == 200, r.text


def workshop(client: TestClient) -> str:
    """A self-paced session of two rounds, rated by three trainees and revealed: its code."""
    code = post(client, "/sessions", json={"quiz": QUIZ_ID, "items": ITEMS, "pace": "self"})["code"]
    tokens = {}
    for name in ROUND1:
        r = client.post(f"{API}/sessions/{code}/participants", json={"name": name})
        assert r.status_code == 201, r.text
        tokens[name] = r.json()["token"]
    client.cookies.clear()  # each call says who it is with its own headers
    rate_round(client, code, tokens, ROUND1)
    post(client, f"/sessions/{code}/reveal")
    post(client, f"/sessions/{code}/rounds")
    rate_round(client, code, tokens, ROUND2)
    post(client, f"/sessions/{code}/reveal")
    return code


def report(*args: str) -> int:
    return main(["report", *args])


def test_the_report_of_a_session_read_from_its_database_is_the_consoles_page(client, live_db, tmp_path, capsys):
    code = workshop(client)
    served = client.get(f"{API}/sessions/{code}/report", headers=KEY)
    assert served.status_code == 200, served.text
    out = tmp_path / "out" / "workshop.html"
    assert report("--db", live_db, "--session", code.lower(), "-o", str(out), *DATA) == 0
    assert out.read_bytes() == served.content
    said = capsys.readouterr()
    assert said.out == f"Wrote {out} from session {code} (3 raters, 4 behaviours; round 1 against round 2).\n"
    assert said.err == ""


def test_a_session_of_one_round_and_the_default_file_name(client, live_db, tmp_path, monkeypatch, capsys):
    code = post(client, "/sessions", json={"quiz": QUIZ_ID, "items": ITEMS, "pace": "self"})["code"]
    joined = client.post(f"{API}/sessions/{code}/participants", json={"name": "Ann"}).json()
    client.cookies.clear()
    rate_round(client, code, {"Ann": joined["token"]}, {"Ann": ROUND1["Ann"]})
    served = client.get(f"{API}/sessions/{code}/report", headers=KEY).content
    monkeypatch.chdir(tmp_path)
    assert report("--db", live_db, "--session", code, *DATA) == 0
    assert (tmp_path / "report.html").read_bytes() == served
    assert capsys.readouterr().out == f"Wrote report.html from session {code} (1 rater, 4 behaviours).\n"


@pytest.mark.slow
def test_a_large_live_session_gets_its_rater_file_beside_the_page(client, live_db, tmp_path, capsys):
    """More raters than the page lists (MOST_RATERS_DRAWN): the command writes every rater's figures
    beside the page and links to it; the console's page, which has no file beside it, says how to get one."""
    from raterkit.report import MOST_RATERS_DRAWN

    code = post(client, "/sessions", json={"quiz": QUIZ_ID, "items": ITEMS, "pace": "self"})["code"]
    names = [f"T{n:02d}" for n in range(MOST_RATERS_DRAWN + 1)]
    tokens = {
        name: client.post(f"{API}/sessions/{code}/participants", json={"name": name}).json()["token"] for name in names
    }
    client.cookies.clear()
    rate_round(client, code, tokens, {name: ROUND1[("Ann", "Bo", "Cy")[n % 3]] for n, name in enumerate(names)})
    out = tmp_path / "workshop.html"
    assert report("--db", live_db, "--session", code, "-o", str(out), *DATA) == 0
    rater_file = tmp_path / "workshop-raters.csv"
    assert capsys.readouterr().out.splitlines()[1] == (
        f"Wrote {rater_file}: every rater's figures, one row per rater (too many raters to list in the report)."
    )
    rows = rater_file.read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(names) + 1 and sorted(row.split(",")[0] for row in rows[1:]) == names
    assert '<a href="workshop-raters.csv">' in out.read_text(encoding="utf-8")
    served = client.get(f"{API}/sessions/{code}/report", headers=KEY).text
    assert "-raters.csv" not in served and "writes every rater's figures to a file beside the report" in served


def test_an_unknown_session_code_is_said_plainly_with_the_sessions_there_are(client, live_db, tmp_path, capsys):
    code = workshop(client)
    out = tmp_path / "report.html"
    for typed in ("ZZZZZZ", "not a code"):
        assert report("--db", live_db, "--session", typed, "-o", str(out), *DATA) == 1
        err = capsys.readouterr().err
        assert f"raterkit report: there is no session '{typed}' in the database" in err
        assert f"Sessions in it, newest first: {code} ({QUIZ_ID})." in err
        assert "Traceback" not in err
    assert not out.exists()


def test_a_session_nobody_rated_has_no_report(client, live_db, tmp_path, capsys):
    code = post(client, "/sessions", json={"quiz": QUIZ_ID})["code"]
    assert report("--db", live_db, "--session", code, "-o", str(tmp_path / "r.html"), *DATA) == 1
    assert capsys.readouterr().err == (
        f"raterkit report: session {code}: Nobody has rated yet: the report needs ratings.\n"
    )
    assert not (tmp_path / "r.html").exists()


def test_a_missing_database_file_is_not_created(tmp_path, capsys):
    missing = tmp_path / "no-such.sqlite"
    assert report("--db", str(missing), "--session", "K7QM2P", "-o", str(tmp_path / "r.html"), *DATA) == 1
    err = capsys.readouterr().err
    assert f"raterkit report: there is no database file {missing}" in err
    assert not missing.exists() and not (tmp_path / "r.html").exists()


def test_a_database_that_cannot_be_reached_is_said_plainly(tmp_path, capsys):
    url = f"postgresql://raterkit@127.0.0.1:{free_port()}/raterkit"  # nothing listens there
    assert report("--db", url, "--session", "K7QM2P", "-o", str(tmp_path / "r.html"), *DATA) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"raterkit report: cannot open the database {url} (OperationalError)\n")
    assert "the PostgreSQL server is running" in err and "Traceback" not in err


def test_a_database_of_an_older_schema_is_refused_with_the_upgrade_command(tmp_path, capsys):
    old = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{old}")
    metadata.create_all(engine)  # tables without a version: a database of the first schema, 0001
    engine.dispose()
    assert report("--db", str(old), "--session", "K7QM2P", "-o", str(tmp_path / "r.html"), *DATA) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"raterkit report: The database {old} has an older schema (0001)")
    assert "raterkit live --upgrade-db" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "name the response files to report on, or a live session with --db and --session"),
        (["--session", "K7QM2P"], "--session names a live session: give its database with --db too"),
        (["--db", "live.sqlite"], "--db needs --session"),
        (["responses.csv", "--db", "live.sqlite", "--session", "K7QM2P"], "not both"),
        (["--db", "live.sqlite", "--session", "K7QM2P", "--before", "a.csv"], "--before cannot be used with --db"),
        (["--db", "live.sqlite", "--session", "K7QM2P", "--quiz", QUIZ_ID, "--title", "T"], "--quiz and --title"),
    ],
)
def test_neither_or_both_sources_is_a_usage_error(args, said, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert report(*args) == 2
    err = capsys.readouterr().err
    assert f"raterkit report: {said}" in err or said in err
    assert "Traceback" not in err
    assert list(Path(tmp_path).iterdir()) == []  # no database made, no report written
