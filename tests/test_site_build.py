"""A real `mkdocs build --strict`: the site from the data alone, and the last good site kept on bad data."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from support import ROOT, copy_project, mkdocs_build

pytestmark = [pytest.mark.slow]


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_framework_has_its_pages(seed_site, catalog):
    for fw in catalog.frameworks.values():
        base = seed_site / "frameworks" / fw.id
        assert (base / "index.html").exists()
        assert (base / "matrix" / "index.html").exists()
        assert (base / "compare" / "index.html").exists()
        for level in fw.scale:
            assert (base / "levels" / level.id / "index.html").exists()
        pairs = list((base / "compare").glob("*-vs-*/index.html"))
        assert len(pairs) == len(fw.scale) * (len(fw.scale) - 1) // 2
    for page in (
        "index.html",
        "glossary/index.html",
        "across/crosswalk/index.html",
        "across/customer-relations/index.html",
    ):
        assert (seed_site / page).exists(), page


def test_each_overview_page_offers_its_case_package_and_spreadsheet(seed_site, catalog, tmp_path):
    from raterkit.interchange import case, sheets, xlsx

    for fw in catalog.frameworks.values():
        page = seed_site / "frameworks" / fw.id / "index.html"
        html = page.read_text(encoding="utf-8")
        (block,) = re.findall(r'<ul class="rk-downloads">(.*?)</ul>', html, re.DOTALL)
        links = re.findall(r'<li><a href="([^"]+)" download>([^<]+)</a>, ([^<]+)</li>', block)
        assert [text for _, text, _ in links] == ["Spreadsheet (Excel workbook, .xlsx)", "CASE 1.0 package (JSON)"]
        files = {}
        for href, _, size in links:
            target = (page.parent / href).resolve()
            assert target.is_file(), href
            assert re.fullmatch(r"\d+ (bytes|KB)|\d+\.\d MB", size)
            files[target.suffix] = target
        tables, problems = xlsx.read(files[".xlsx"], files[".xlsx"].name)
        assert problems == []
        assert sheets.framework_from_tables(tables, "downloaded") == (fw, [])
        assert case.from_package(json.loads(files[".json"].read_text(encoding="utf-8"))) == fw


def test_generated_pages_are_not_written_into_docs():
    assert sorted(p.name for p in (ROOT / "docs").rglob("*.md")) == sorted(
        p.name for p in (ROOT / "docs").rglob("*.md") if not str(p.relative_to(ROOT / "docs")).startswith("frameworks")
    )
    assert not (ROOT / "docs" / "frameworks").exists()


def test_every_statement_is_in_the_search_index(seed_site, catalog):
    index = json.loads((seed_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(re.sub(r"<[^>]+>", "", d["text"]) for d in index["docs"])
    text = (
        re.sub(r"\s+", " ", text)
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace("&#39;", "'")
    )
    missing = [s.address for fw in catalog.frameworks.values() for s in fw.statements() if fw.fill(s.text) not in text]
    assert missing == []


def test_every_statement_has_its_permalink_anchor_on_the_matrix(seed_site, catalog):
    for fw in catalog.frameworks.values():
        html = (seed_site / "frameworks" / fw.id / "matrix" / "index.html").read_text(encoding="utf-8")
        for s in fw.statements():
            assert f'id="{s.anchor}"' in html, s.address


def built_with_plugin_option(tmp_path: Path, option: str) -> None:
    """The project built into tmp_path/out with the plugin's ``office: ""`` line replaced by ``option``."""
    project = copy_project(tmp_path / "p")
    cfg = project / "mkdocs.yml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('office: ""', option), encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr


def test_office_placeholder_is_filled_from_the_plugin_option(tmp_path):
    built_with_plugin_option(tmp_path, "office: Trade Compliance Center")
    html = (tmp_path / "out" / "frameworks" / "ita-customer-service-element" / "index.html").read_text(encoding="utf-8")
    assert "comply with Trade Compliance Center standards" in html
    assert "Insert &quot;office&quot; name" not in html and 'Insert "office" name' not in html
    assert "at least 15%" in html


def test_a_site_owner_can_leave_the_downloads_out(tmp_path):
    built_with_plugin_option(tmp_path, 'office: ""\n      downloads: false')
    overview = tmp_path / "out" / "frameworks" / "customer-service-rubric"
    assert "rk-downloads" not in (overview / "index.html").read_text(encoding="utf-8")
    assert not list((tmp_path / "out").rglob("*.xlsx")) and not list((tmp_path / "out").rglob("*.case.json"))


def test_a_text_too_long_for_a_spreadsheet_cell_stops_the_build_in_words(tmp_path):
    project = copy_project(tmp_path / "p")
    fw = project / "frameworks" / "customer-service-rubric.yaml"
    text = fw.read_text(encoding="utf-8")
    first = "          - Fails to provide or begrudgingly provides minimal service;"
    assert first in text
    fw.write_text(text.replace(first, first + " very" * 6600, 1), encoding="utf-8")  # 33,000 characters more
    result = mkdocs_build(project, tmp_path / "out")
    assert result.returncode != 0
    assert (
        "frameworks: framework customer-service-rubric: its spreadsheet cannot be written: the text of "
        "Statements!D2 is longer than the 32,767 characters an Excel cell holds" in result.stderr
    ), result.stderr
    assert "downloads: false" in result.stderr and "Traceback" not in result.stderr


def test_broken_framework_fails_the_build_and_leaves_the_last_good_site_byte_for_byte(tmp_path):
    project = copy_project(tmp_path / "p")
    out = tmp_path / "out"
    assert mkdocs_build(project, out).returncode == 0
    before = _tree_digest(out)
    assert len(before) > 50
    bad = project / "frameworks" / "customer-service-rubric.yaml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("      meets-expectations:\n", "      meets-expectation:\n"),
        encoding="utf-8",
    )
    result = mkdocs_build(project, out)
    assert result.returncode != 0
    assert re.search(
        r"frameworks/customer-service-rubric\.yaml:\d+: competencies\[0\]\.descriptors\.meets-expectation: "
        r"'meets-expectation' is not a level of this scale",
        result.stderr,
    ), result.stderr
    assert "Traceback" not in result.stderr
    assert _tree_digest(out) == before


def test_a_new_framework_file_adds_its_pages_with_no_code_change(odd_site):
    base = odd_site / "frameworks" / "odd-shape-test"
    matrix = (base / "matrix" / "index.html").read_text(encoding="utf-8")
    assert matrix.count('<th scope="col">') >= 6  # row header + five levels
    assert "Not described" in matrix
    assert (base / "compare" / "L1-vs-L5" / "index.html").exists()
    home = (odd_site / "index.html").read_text(encoding="utf-8")
    assert "frameworks/odd-shape-test/" in home  # in the navigation


def test_framework_text_is_escaped_in_every_built_file(odd_site):
    for page in (odd_site / "frameworks" / "odd-shape-test").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>window.__pwned" not in html, page
        assert "<img src=x onerror" not in html and '<img src="x" onerror' not in html, page
        assert 'href="javascript:' not in html, page


def test_notebooks_section_renders_each_notebook_and_ships_it_for_download(seed_site):
    committed = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(committed) >= 6
    index = (seed_site / "notebooks" / "index.html").read_text(encoding="utf-8")
    for nb in committed:
        assert (seed_site / "notebooks" / nb.name).read_bytes() == nb.read_bytes()
        page = (seed_site / "notebooks" / nb.stem / "index.html").read_text(encoding="utf-8")
        assert f'download="{nb.name}"' in page and f'href="../{nb.name}"' in page
        assert '<code class="language-python">' in page
        assert f'href="{nb.name}"' in index


def test_an_assessment_build_has_no_practice_notebooks(tmp_path):
    result = mkdocs_build(ROOT, tmp_path / "out", env={"RATERKIT_ASSESSMENT": "1"})
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "out" / "notebooks").glob("*.ipynb")) == []
    assert [p.parent.name for p in (tmp_path / "out" / "notebooks").rglob("index.html")] == ["notebooks"]
    assert "This is an assessment build" in (tmp_path / "out" / "notebooks" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "quizzes").exists()


def test_a_project_without_notebooks_still_builds_with_its_links_intact(tmp_path):
    project = copy_project(tmp_path / "p")
    shutil.rmtree(project / "notebooks")
    result = mkdocs_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "There are no notebooks in this build" in (tmp_path / "out" / "notebooks" / "index.html").read_text(
        encoding="utf-8"
    )
