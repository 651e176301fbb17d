"""Property tests: generated frameworks of varied shapes survive YAML -> xlsx -> YAML and YAML -> CSV -> YAML."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raterkit.interchange import csvsheets, sheets, xlsx, yamlout
from raterkit.load import load_framework
from raterkit.model import Framework
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


def _loaded(text: str, folder: Path) -> Framework:
    path = folder / "generated.yaml"
    path.write_text(text, encoding="utf-8")
    loaded, problems = load_framework(path)
    assert problems == [] and loaded is not None
    return loaded


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_xlsx_round_trip(framework: Framework) -> None:
    data = xlsx.write(sheets.framework_tables(framework), "framework")
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "generated.xlsx"
        book.write_bytes(data)
        tables, problems = xlsx.read(book, "generated.xlsx")
        assert problems == []
        back, problems = sheets.framework_from_tables(tables, "generated.xlsx")
        assert problems == [] and back is not None
        loaded = _loaded(yamlout.framework_yaml(back), Path(folder))
    assert loaded == framework
    assert xlsx.write(sheets.framework_tables(loaded), "framework") == data


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_csv_round_trip(framework: Framework) -> None:
    files = csvsheets.render(sheets.framework_tables(framework))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "csv"
        out.mkdir()
        for name, content in files.items():
            (out / name).write_bytes(content)
        tables, problems = csvsheets.read(out, "csv", list(sheets.FRAMEWORK_SHEETS))
        assert problems == []
        back, problems = sheets.framework_from_tables(tables, "csv")
        assert problems == [] and back is not None
        loaded = _loaded(yamlout.framework_yaml(back), Path(folder))
    assert loaded == framework
    assert csvsheets.render(sheets.framework_tables(loaded)) == files
