"""Property tests: generated frameworks of varied shapes survive YAML -> xlsx -> YAML and YAML -> CSV -> YAML."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raterkit.interchange import csvsheets, sheets, xlsx
from raterkit.model import Framework
from round_trips import via_csv, via_xlsx
from test_case_properties import _TEXT
from test_case_properties import frameworks as shapes

# Text a person may type over several lines (a definition, a paragraph of guidance).
_LINES = st.lists(_TEXT, min_size=1, max_size=3).map("\n".join)
# Control characters (a workbook escapes them as _xHHHH_) and text that looks like that escape.
_CONTROL = st.lists(
    st.characters(whitelist_categories=("Cc",)) | st.sampled_from(["_x", "001B_", "_"]), min_size=1
).map("".join)
_ODD = st.tuples(_TEXT, _CONTROL, _TEXT).map("".join)


@st.composite
def frameworks(draw: st.DrawFn) -> Framework:
    """The CASE tests' shapes (1-10 levels, 0-6 criteria, empty cells, unicode, quotes, '=' first),
    with the fields only the Framework and Competencies sheets carry."""
    framework = draw(shapes())
    comp = framework.competencies[0]
    comp = comp.model_copy(
        update={
            "definition": draw(st.none() | _LINES),
            "expectations": draw(st.none() | _TEXT | _ODD),
            "definition_level": draw(st.none() | st.sampled_from([lv.id for lv in framework.scale])),
        }
    )
    # more competencies (0-2): copies of the first, their statements in reverse order
    more = []
    for n in range(draw(st.integers(0, 2))):
        descriptors = {lv: {k: texts[::-1] for k, texts in cells.items()} for lv, cells in comp.descriptors.items()}
        more.append(comp.model_copy(update={"id": f"c{n + 2}", "title": draw(_TEXT), "descriptors": descriptors}))
    return framework.model_copy(
        update={
            "family": draw(st.none() | _TEXT),
            "guidance": draw(st.lists(_LINES, max_size=2)),
            "competencies": [comp, *more],
        }
    )


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_xlsx_round_trip(framework: Framework) -> None:
    with tempfile.TemporaryDirectory() as folder:
        loaded, data = via_xlsx(framework, Path(folder))
    assert loaded == framework
    assert xlsx.write(sheets.framework_tables(loaded), "framework") == data


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_csv_round_trip(framework: Framework) -> None:
    with tempfile.TemporaryDirectory() as folder:
        loaded, files = via_csv(framework, Path(folder))
    assert loaded == framework
    assert csvsheets.render(sheets.framework_tables(loaded)) == files
