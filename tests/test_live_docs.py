"""The live server's documentation matches the server: every API call is on the API page, the
trainer's page covers what the issue promised, and the README starts it."""

from __future__ import annotations

import re

from raterkit.live.app import create_app
from support import LIVE_KEY, ROOT

DOCS = ROOT / "docs"


def _operations(catalog, tmp_path) -> set[str]:
    app = create_app(catalog, f"sqlite:///{tmp_path / 'live.sqlite'}", LIVE_KEY)
    spec = app.openapi()
    return {f"{method.upper()} {path}" for path, methods in spec["paths"].items() for method in methods}


def test_every_api_call_is_on_the_api_page(catalog, tmp_path):
    page = (DOCS / "live-api.md").read_text(encoding="utf-8")
    # The page writes /items/{item}/{action} once for open, close and reveal.
    written = {re.sub(r"\s+", " ", m) for m in re.findall(r"`((?:GET|POST|PUT|DELETE) /api/v1/[^`?]*)", page)}
    operations = _operations(catalog, tmp_path)
    assert operations - written == set(), "calls missing from docs/live-api.md"
    assert written - operations == set(), "docs/live-api.md names calls the server does not have"


def test_the_trainers_page_covers_a_room_network_and_the_key():
    page = (DOCS / "live.md").read_text(encoding="utf-8")
    for needed in (
        "--host 0.0.0.0",
        "RATERKIT_FACILITATOR_KEY",
        "--facilitator-key",
        "--db",
        "consensus",
        "self-paced",
    ):
        assert needed in page
    assert "Only on a network you trust" in page


def test_the_readme_quick_start_mentions_raterkit_live():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "raterkit live" in quick_start
