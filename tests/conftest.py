"""Shared fixtures: paths of the project and a loaded catalog of the real data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ROOT / "frameworks"
QUIZ = ROOT / "quiz"


@pytest.fixture(scope="session")
def catalog():
    from raterkit.load import load_catalog

    cat, problems = load_catalog([FRAMEWORKS, QUIZ] if QUIZ.exists() else [FRAMEWORKS])
    assert problems == [], "\n".join(map(str, problems))
    return cat
