"""No answer key in what trainees see: no page of an assessment build pairs a quiz item with its
reference level, in any form (a CSV row, a JSON response, a table row), hand-written pages included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import ROOT, mkdocs_build


def _pairs(catalog) -> list[tuple[str, str, str]]:
    """(item id, reference level id, its label) of every quiz item."""
    out = []
    for quiz in catalog.quizzes.values():
        fw = catalog.frameworks[quiz.framework]
        for item in quiz.items:
            out.append((item.id, item.reference, fw.level(item.reference).label))
    return out


def _leaks(text: str, pairs: list[tuple[str, str, str]]) -> list[str]:
    found = []
    for item, level, label in pairs:
        answer = rf"(?:{re.escape(level)}|{re.escape(label)})"
        forms = [
            rf"(?<![\w-]){re.escape(item)}\s*(?:[,;\t|]|</td>\s*<td[^>]*>)\s*(?:&quot;|\")?{answer}(?![\w+-])",  # row
            rf"\"{re.escape(item)}\"[^{{}}]{{0,80}}?\"(?:rating|reference|level|key|answer)\"\s*:\s*\"{answer}\"",  # JSON
        ]
        for form in forms:
            for match in re.finditer(form, text, flags=re.IGNORECASE):
                found.append(f"{item}={level}: {match.group(0)[:80]!r}")
    return found


def test_the_leak_finder_finds_a_key_in_every_form(catalog):
    pairs = _pairs(catalog)
    item, level, label = pairs[0]
    for text in (
        f"Ana,{item},{level}\n",
        f"Ana;{item};{label.lower()}",
        f'{{"item": "{item}", "rating": "{level}"}}',
        f"<tr><td>{item}</td><td>{level}</td></tr>",
    ):
        assert _leaks(text, pairs), text
    assert not _leaks(f"Ana,{item},{level}X\n", pairs)


@pytest.mark.parametrize("page", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_no_hand_written_page_pairs_an_item_with_its_reference(catalog, page: Path):
    assert _leaks(page.read_text(encoding="utf-8"), _pairs(catalog)) == []


@pytest.mark.slow
def test_the_assessment_build_pairs_no_item_with_its_reference(catalog, tmp_path):
    out = tmp_path / "site"
    result = mkdocs_build(ROOT, out, env={"RATERKIT_ASSESSMENT": "1"})
    assert result.returncode == 0, result.stderr
    pairs = _pairs(catalog)
    leaks = []
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".js", ".xml", ".txt", ".csv", ".md"}:
            leaks += [f"{path.relative_to(out)}: {leak}" for leak in _leaks(path.read_text(errors="replace"), pairs)]
    assert leaks == []
