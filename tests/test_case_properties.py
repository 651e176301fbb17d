"""Property tests: generated frameworks of varied shapes survive YAML -> CASE -> YAML unchanged."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raterkit.interchange import case
from raterkit.load import load_framework
from raterkit.model import Competency, Criterion, Framework, Level

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "case-1.0-cfpackage.schema.json").read_text())

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), whitelist_characters="\"'=+-@"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and t != "")
_STATEMENT = st.one_of(_TEXT, _TEXT.map(lambda t: "=" + t), _TEXT.map(lambda t: f'"{t}" it\'s'))


@st.composite
def frameworks(draw: st.DrawFn) -> Framework:
    levels = [Level(id=f"L{n}", label=draw(_TEXT)) for n in range(draw(st.integers(1, 10)))]
    n_criteria = draw(st.integers(0, 6))
    criteria = [Criterion(id=f"k{n}", label=draw(_TEXT)) for n in range(n_criteria)]
    rows = criteria or [Criterion(id="overall", label="Overall")]
    descriptors: dict[str, dict[str, list[str]]] = {}
    for level in levels:
        for crit in rows:
            cell = draw(st.lists(_STATEMENT, max_size=3))  # an empty list is an empty cell
            if cell:
                descriptors.setdefault(level.id, {})[crit.id] = cell
    if not descriptors:
        descriptors = {levels[0].id: {rows[0].id: [draw(_STATEMENT)]}}
    extra = {"criteria": criteria} if criteria else {}
    competency = Competency(id="c1", title=draw(_TEXT), descriptors=descriptors, **extra)
    return Framework(id="generated", title=draw(_TEXT), scale=levels, competencies=[competency])


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_case_round_trip(framework: Framework) -> None:
    text = case.dumps(framework)
    jsonschema.validate(json.loads(text), SCHEMA)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.yaml"
        path.write_text(case.to_yaml(case.from_package(json.loads(text))), encoding="utf-8")
        loaded, problems = load_framework(path)
    assert problems == []
    assert loaded == framework
    assert case.dumps(loaded) == text
