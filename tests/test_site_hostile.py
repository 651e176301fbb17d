"""Valid data that would break the site build: found in ``on_config`` by ``compose.site_problems``,
so the build stops with the file and line to change and the last site stays byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html import unescape as html_unescape
from pathlib import Path

import markdown
import pytest

from raterkit.load import load_catalog
from raterkit.notebooks import literal_markdown
from raterkit.site import siteproblems
from raterkit.site.compose import SiteSettings, build_site, site_notebooks, site_problems
from raterkit.site.notebookpages import notebook_paths
from support import FRAMEWORKS, QUIZ, ROOT, copy_project, mkdocs_build

PQR = """\
id: pqr
title: Levels named like comparisons
scale:
  - {id: p, label: P}
  - {id: p-vs-q, label: P or Q}
  - {id: q-vs-r, label: Q or R}
  - {id: r, label: R}
competencies:
  - id: widgetry
    title: Widget handling
    descriptors:
      p: {overall: ["Sorts widgets when reminded."]}
      r: {overall: ["Sorts widgets without reminders."]}
"""


def test_the_pages_checked_are_the_pages_built(catalog):
    settings = SiteSettings()
    notebooks = site_notebooks(ROOT / "notebooks", settings)
    pages, _ = build_site(catalog, settings, notebooks)
    checked = {page for page, _ in siteproblems.generated(catalog, notebook_paths(ROOT / "notebooks"))}
    assert {p.path for p in pages} | {nb.path for nb in notebooks} == checked


def test_the_seed_project_has_no_site_problems(catalog):
    found = site_problems(catalog, SiteSettings(), [FRAMEWORKS, QUIZ], ROOT / "docs", ROOT / "notebooks")
    assert found == []


def test_levels_whose_comparisons_share_a_page_are_named_by_line(tmp_path):
    (tmp_path / "pqr.yaml").write_text(PQR, encoding="utf-8")
    cat, problems = load_catalog([tmp_path / "pqr.yaml"])
    assert problems == []
    found = site_problems(cat, SiteSettings(), [tmp_path / "pqr.yaml"], None, None)
    assert len(found) == 1
    assert found[0].line == 7 and found[0].field == "scale[3].id"
    assert "the comparison of levels 'p-vs-q' and 'r'" in found[0].message
    assert "the comparison of levels 'p' and 'q-vs-r'" in found[0].message
    assert "-vs-" in found[0].hint


# ----------------------------------------------------------------------------- real builds


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def last_site(tmp_path_factory):
    """A good site, built once; each test copies it as the previous site of its failed build."""
    out = tmp_path_factory.mktemp("last-site") / "site"
    result = mkdocs_build(ROOT, out)
    assert result.returncode == 0, result.stderr
    return out


def _fails_and_keeps_the_site(project: Path, last_site: Path) -> str:
    out = project / "site-out"
    shutil.copytree(last_site, out)
    before = _digest(out)
    result = mkdocs_build(project, out)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "The site was not built; the previous site is unchanged." in result.stderr
    assert _digest(out) == before
    return result.stderr


@pytest.mark.slow
def test_a_quiz_id_index_stops_the_build(tmp_path, last_site):
    project = copy_project(tmp_path / "p")
    quiz = project / "quiz" / "cp1-profiles.yaml"
    text = quiz.read_text(encoding="utf-8")
    old_id = next(line for line in text.splitlines() if line.startswith("id: "))
    quiz.write_text(text.replace(old_id, "id: index", 1), encoding="utf-8")
    stderr = _fails_and_keeps_the_site(project, last_site)
    assert "quiz/cp1-profiles.yaml:" in stderr
    assert ": id: the page of quiz 'index' would be at the same address (quizzes/) as the list of quizzes" in stderr, (
        stderr
    )


@pytest.mark.slow
def test_a_competency_id_crosswalk_stops_the_build(tmp_path, last_site):
    project = copy_project(tmp_path / "p")
    for n in ("1", "3"):
        src = project / "frameworks" / f"acqdemo-cp{n}-customer-relations.yaml"
        text = src.read_text(encoding="utf-8")
        text = text.replace(f"id: acqdemo-cp{n}-customer-relations", f"id: copy-cp{n}", 1)
        text = text.replace("  - id: customer-relations", "  - id: crosswalk", 1)
        (project / "frameworks" / f"copy-cp{n}.yaml").write_text(text, encoding="utf-8")
    stderr = _fails_and_keeps_the_site(project, last_site)
    assert (
        "frameworks/copy-cp1.yaml:17: competencies[0].id: the page of competency 'crosswalk' across frameworks "
        "would be at the same address (across/crosswalk/) as the crosswalk" in stderr
    ), stderr


@pytest.mark.slow
def test_levels_whose_comparisons_collide_stop_the_build(tmp_path, last_site):
    project = copy_project(tmp_path / "p")
    (project / "frameworks" / "pqr.yaml").write_text(PQR, encoding="utf-8")
    stderr = _fails_and_keeps_the_site(project, last_site)
    assert "frameworks/pqr.yaml:7: scale[3].id: the comparison of levels 'p-vs-q' and 'r'" in stderr, stderr


@pytest.mark.slow
def test_a_hand_written_page_where_a_generated_page_goes_stops_the_build(tmp_path, last_site):
    project = copy_project(tmp_path / "p")
    (project / "docs" / "quizzes").mkdir()
    (project / "docs" / "quizzes" / "index.md").write_text("# My quizzes\n", encoding="utf-8")
    stderr = _fails_and_keeps_the_site(project, last_site)
    assert (
        "docs/quizzes/index.md: the hand-written page docs/quizzes/index.md would be at the same address "
        "(quizzes/) as the list of quizzes" in stderr
    ), stderr
    assert "move or rename this file" in stderr


@pytest.mark.slow
def test_a_broken_notebook_stops_the_build(tmp_path, last_site):
    project = copy_project(tmp_path / "p")
    (project / "notebooks" / "broken.ipynb").write_text('{"cells": [\n{"cell_type": "markdown",\n', encoding="utf-8")
    stderr = _fails_and_keeps_the_site(project, last_site)
    assert "notebooks/broken.ipynb:3: the notebook is not a readable Jupyter notebook" in stderr, stderr


@pytest.mark.slow
def test_a_notebook_named_index_stops_the_build(tmp_path, last_site):
    project = copy_project(tmp_path / "p")
    shutil.copy2(project / "notebooks" / "trainer-workshop.ipynb", project / "notebooks" / "index.ipynb")
    stderr = _fails_and_keeps_the_site(project, last_site)
    assert (
        "notebooks/index.ipynb: the page of the notebook index.ipynb would be at the same address (notebooks/) "
        "as the list of notebooks" in stderr
    ), stderr


@pytest.mark.slow
def test_a_glossary_term_whose_case_folding_differs_builds(tmp_path):
    project = copy_project(tmp_path / "p")
    glossary = project / "frameworks" / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(
        text.replace("terms:\n", "terms:\n  - term: ſervice\n    definition: Helping a customer.\n", 1),
        encoding="utf-8",
    )
    result = mkdocs_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rubric = (tmp_path / "out" / "frameworks" / "customer-service-rubric" / "index.html").read_text(encoding="utf-8")
    assert 'title="Helping a customer."' in rubric


@pytest.mark.slow
def test_a_warning_late_in_a_strict_build_leaves_the_last_site(tmp_path, last_site):
    """A link to nowhere in a notebook is found only when MkDocs renders the page, after on_config:
    the build was written beside the output folder and is dropped."""
    project = copy_project(tmp_path / "p")
    nb = project / "notebooks" / "trainer-workshop.ipynb"
    data = json.loads(nb.read_text(encoding="utf-8"))
    data["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["See [the notes](nowhere.md)."]})
    nb.write_text(json.dumps(data), encoding="utf-8")
    out = project / "site-out"
    shutil.copytree(last_site, out)
    before = _digest(out)
    result = mkdocs_build(project, out)
    assert result.returncode != 0
    assert "nowhere.md" in result.stderr
    assert "the previous site is left unchanged" in result.stderr
    assert _digest(out) == before
    assert sorted(p.name for p in project.iterdir() if "raterkit" in p.name) == []


@pytest.mark.slow
def test_a_good_build_replaces_the_site_and_leaves_nothing_beside_it(tmp_path, last_site):
    out = tmp_path / "site-out"
    shutil.copytree(last_site, out)
    (out / "stale.html").write_text("old", encoding="utf-8")
    result = mkdocs_build(ROOT, out)
    assert result.returncode == 0, result.stderr
    assert not (out / "stale.html").exists()
    assert (out / "quizzes" / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["site-out"]


# ----------------------------------------------------------------------------- notebook Markdown

SITE_EXTENSIONS = ["attr_list", "md_in_html", "abbr", "admonition", "fenced_code", "toc"]
NOTEBOOK_PAYLOADS = [
    "Title { autofocus onfocus=alert(1) }",
    "Title {: #x .y onmouseover=alert(1) }",
    "Title\u2028{: onfocus=alert(1) }",
    "![x](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    "*[Title]: <b>abbr</b>",
    "!!! danger\n    <script>alert(1)</script>",
]


@pytest.mark.parametrize("text", NOTEBOOK_PAYLOADS)
def test_notebook_markdown_from_data_stays_text_on_the_site(text):
    for source in (f"# {literal_markdown(text)}", f"Rating practice: {literal_markdown(text)}", literal_markdown(text)):
        html = markdown.markdown(source, extensions=SITE_EXTENSIONS)
        assert not re.search(r"<[^>]*\son\w+=", html), html
        assert "<img" not in html and "<script" not in html and "javascript:" not in re.sub(r">[^<]*<", "><", html)
        assert not re.search(r"<[^>]*\sautofocus[\s=/>]", html), html
        assert '<div class="admonition' not in html and "<abbr" not in html, html
    shown = re.sub(r"<[^>]+>", "", markdown.markdown(literal_markdown(text), extensions=SITE_EXTENSIONS))
    # Python-Markdown does not take a backslash before < or > as an escape: the site shows it
    # (Jupyter does not); the characters show as text either way.
    assert html_unescape(shown).replace("\\<", "<").replace("\\>", ">") == " ".join(text.split())
