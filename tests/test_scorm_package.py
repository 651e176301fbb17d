"""`raterkit export scorm`: a quiz as a SCORM package a trainer uploads to an LMS. The manifest of each
edition, every file listed and every listed file present, the same bytes every time, nothing fetched
from elsewhere and no MkDocs needed, the key inside it (and said so), and every kind of bad input
answered plainly, with no partial zip left behind. (The package at work in an LMS:
test_scorm_browser.py.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from raterkit.cli import main
from raterkit.export.manifest import NAMESPACES
from raterkit.export.scorm import SUSPEND_LIMIT, suspend_worst_case
from raterkit.rules import resolve_pass_rule
from raterkit.site.quizpages import ANSWER_KEYS, ItemPayload, LevelPayload, QuizPayload, RulePayload
from support import FRAMEWORKS, QUIZ, ROOT

QUIZ_ID = "cp3-customer-relations"
SCORM_JS = ROOT / "src" / "raterkit" / "export" / "assets" / "rk-scorm.js"
EDITIONS = ["1.2", "2004"]


def export(tmp_path: Path, *extra: str, quiz: str = QUIZ_ID, name: str = "quiz.zip") -> tuple[int, Path]:
    out = tmp_path / name
    return main(["export", "scorm", quiz, "-o", str(out), "--data", str(FRAMEWORKS), str(QUIZ), *extra]), out


def manifest_of(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read("imsmanifest.xml"))


def payload_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        page = archive.read("index.html").decode("utf-8")
    opening = '<template id="rk-quiz-data">'
    start = page.index(opening) + len(opening)
    return json.loads(unescape(page[start : page.index("</template>", start)]))


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# ----------------------------------------------------------------------------- the manifest


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_manifest_has_one_organization_one_item_one_sco_listing_every_file(tmp_path, capsys, catalog, edition):
    code, zip_path = export(tmp_path, "--scorm", edition)
    assert code == 0, capsys.readouterr().err
    ns = {k or "cp": v for k, v in NAMESPACES[edition].items()}
    root = manifest_of(zip_path)
    assert root.tag == f"{{{ns['cp']}}}manifest"
    assert root.findtext("cp:metadata/cp:schema", namespaces=ns) == "ADL SCORM"
    version = root.findtext("cp:metadata/cp:schemaversion", namespaces=ns)
    assert version == ("1.2" if edition == "1.2" else "2004 4th Edition")
    locations = root.get(f"{{{ns['xsi']}}}schemaLocation").split()
    pairs = dict(zip(locations[::2], locations[1::2]))
    wanted = (
        {"imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd"}
        if edition == "1.2"
        else {"imscp_v1p1.xsd", "adlcp_v1p3.xsd", "adlseq_v1p3.xsd", "adlnav_v1p3.xsd", "imsss_v1p0.xsd"}
    )
    assert wanted <= set(pairs.values())
    assert {uri for uri in ns.values() if uri != ns["xsi"]} <= set(pairs)

    organizations = root.find("cp:organizations", ns)
    assert len(organizations.findall("cp:organization", ns)) == 1
    organization = organizations.find("cp:organization", ns)
    assert organizations.get("default") == organization.get("identifier")
    quiz = catalog.quizzes[QUIZ_ID]
    assert organization.findtext("cp:title", namespaces=ns) == quiz.title
    items = organization.findall(".//cp:item", ns)
    assert len(items) == 1
    resources = root.findall("cp:resources/cp:resource", ns)
    assert len(resources) == 1
    resource = resources[0]
    assert items[0].get("identifierref") == resource.get("identifier")
    assert resource.get("type") == "webcontent"
    assert resource.get(f"{{{ns['adlcp']}}}{'scormtype' if edition == '1.2' else 'scormType'}") == "sco"

    listed = [f.get("href") for f in resource.findall("cp:file", ns)]
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
    assert "imsmanifest.xml" in names
    assert sorted(listed) == sorted(set(listed)), "a file listed twice"
    assert set(listed) == set(names) - {"imsmanifest.xml"}, (
        "every file in the zip is listed, every listed file is there"
    )
    assert resource.get("href") in listed

    # The mastery score is the pass rule's exact agreement: percent in 1.2, a share in 2004.
    rule = resolve_pass_rule(quiz.pass_rule, len(catalog.frameworks[quiz.framework].scale))
    if edition == "1.2":
        assert float(items[0].findtext("adlcp:masteryscore", namespaces=ns)) == pytest.approx(rule.exact * 100)
    else:
        primary = items[0].find("imsss:sequencing/imsss:objectives/imsss:primaryObjective", ns)
        assert primary.get("satisfiedByMeasure") == "true"
        assert float(primary.findtext("imsss:minNormalizedMeasure", namespaces=ns)) == pytest.approx(rule.exact)
        controls = items[0].find("imsss:sequencing/imsss:deliveryControls", ns)
        assert controls.get("completionSetByContent") == controls.get("objectiveSetByContent") == "true"
    assert "Wrote" in capsys.readouterr().out


def test_a_title_with_markup_is_text_in_the_manifest_and_the_page(tmp_path, capsys):
    data = tmp_path / "quiz"
    data.mkdir()
    source = yaml.safe_load((QUIZ / f"{QUIZ_ID}.yaml").read_text(encoding="utf-8"))
    source["title"] = 'Quiz </title><script>alert("x")</script> & <![CDATA[ ]]>'
    (data / "q.yaml").write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "q.zip"
    assert main(["export", "scorm", QUIZ_ID, "-o", str(out), "--data", str(FRAMEWORKS), str(data)]) == 0
    root = manifest_of(out)
    titles = [t.text for t in root.iter() if t.tag.endswith("}title")]
    assert titles == [source["title"], source["title"]]
    with zipfile.ZipFile(out) as archive:
        page = archive.read("index.html").decode("utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


# ----------------------------------------------------------------------------- the files


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_same_quiz_gives_the_same_bytes_with_fixed_times_and_sorted_names(tmp_path, edition):
    assert export(tmp_path, "--scorm", edition, name="a.zip")[0] == 0
    assert export(tmp_path, "--scorm", edition, name="b.zip")[0] == 0
    first, second = (tmp_path / "a.zip").read_bytes(), (tmp_path / "b.zip").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o644}
    assert leftovers(tmp_path) == ["a.zip", "b.zip"]


def test_the_package_is_self_contained_and_fetches_nothing_from_another_host(tmp_path):
    code, zip_path = export(tmp_path)
    assert code == 0
    with zipfile.ZipFile(zip_path) as archive:
        files = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    page = files["index.html"]
    linked = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
    assert linked and all(name in files for name in linked), linked
    tags = Tags()
    tags.feed(page)
    assert [t for t, attrs in tags.seen if t == "script" and not attrs.get("src")] == [], "an inline script"
    assert [(t, a) for t, attrs in tags.seen for a in attrs if a.startswith("on")] == [], "an event handler attribute"
    assert [t for t, attrs in tags.seen if "style" in attrs or t == "style"] == [], "inline style"
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src &#39;none&#39;" in csp and "script-src &#39;self&#39;" in csp
    for name, text in files.items():
        if name.endswith((".html", ".css", ".xml")):
            text = re.sub(r'xmlns(:\w+)?="[^"]+"|schemaLocation="[^"]+"', "", text)
            assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), f"{name} refers to another host"
        if name.endswith(".js"):
            for call in ("fetch(", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource", "import("):
                assert call not in text, f"{name} makes requests ({call})"
        assert "mkdocs" not in text.lower() or name == "rk.css", f"{name} mentions MkDocs"


def test_exporting_needs_neither_mkdocs_nor_material(tmp_path):
    out = tmp_path / "q.zip"
    code = (
        "import sys\n"
        "from raterkit.cli import main\n"
        f"assert main(['export', 'scorm', {QUIZ_ID!r}, '-o', {str(out)!r}, '--data', {str(FRAMEWORKS)!r}, {str(QUIZ)!r}]) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material', 'pymdownx'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_the_key_is_in_the_package_in_practice_and_in_an_assessment(tmp_path, catalog):
    """A SCORM package scores in the browser: the key travels with it (docs/lms.md says so)."""
    quiz = catalog.quizzes[QUIZ_ID]
    for extra, name in (((), "p.zip"), (("--assessment",), "a.zip")):
        code, zip_path = export(tmp_path, *extra, name=name)
        assert code == 0
        data = QuizPayload.model_validate(payload_of(zip_path))
        assert data.practice and data.rule is not None
        for item, got in zip(quiz.items, data.items, strict=True):
            assert all(getattr(got, key) is not None for key in ANSWER_KEYS)
            assert data.levels[got.reference].id == item.reference
            assert "href=" not in got.cites, "no site to link to from a package"
        if extra:
            assert data.reveal == "end" and data.lock_checked is None
        else:
            assert data.reveal is None and data.lock_checked is True
    lms = (ROOT / "docs" / "lms.md").read_text(encoding="utf-8")
    assert "key" in lms and "--assessment" in lms


def test_an_assessment_page_has_no_check_button_and_a_submit_button(tmp_path):
    code, zip_path = export(tmp_path, "--assessment")
    assert code == 0
    with zipfile.ZipFile(zip_path) as archive:
        page = archive.read("index.html").decode("utf-8")
    assert "rk-quiz-check" not in page and page.count('class="rk-quiz-feedback"') == 12
    assert 'class="md-button rk-quiz-submit">Submit my ratings</button>' in page
    assert "rk-quiz-show-results" not in page


def _js_keys(name: str) -> set[str]:
    return set(re.findall(rf"\b{name}\.(\w+)", SCORM_JS.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "name, model",
    [("data", QuizPayload), ("item", ItemPayload), (r"levels\[[^\]]+\]", LevelPayload), (r"data\.rule", RulePayload)],
)
def test_the_lms_adapter_reads_only_keys_the_payload_model_defines(name, model):
    used = _js_keys(name)
    assert used, f"rk-scorm.js never reads {name}.*"
    assert used <= set(model.model_fields), f"rk-scorm.js reads {sorted(used - set(model.model_fields))} of {name}"


@pytest.mark.parametrize("n_items", [1, 12, 600, 10_000])
def test_the_suspend_data_worst_case_is_what_the_adapter_writes(n_items):
    import json as j

    state = {"v": 1, "r": "Z" * n_items, "o": list(range(n_items)), "s": 1}
    assert suspend_worst_case(n_items) == len(j.dumps(state, separators=(",", ":")))
    assert "JSON.stringify(out)" in SCORM_JS.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- bad input


def test_an_unknown_quiz_exits_2_and_names_the_quizzes(tmp_path, capsys):
    code, out = export(tmp_path, quiz="cp3-customer-relation")
    assert code == 2
    err = capsys.readouterr().err
    assert "no quiz 'cp3-customer-relation'" in err and "Did you mean 'cp3-customer-relations'?" in err
    assert "Traceback" not in err and not out.exists() and leftovers(tmp_path) == []


def test_an_output_folder_that_does_not_exist_exits_1_and_writes_nothing(tmp_path, capsys):
    code, out = export(tmp_path, name="missing/quiz.zip")
    assert code == 1
    err = capsys.readouterr().err
    assert f"cannot write {out}: the folder {out.parent} does not exist" in err and "Traceback" not in err
    assert leftovers(tmp_path) == []


def test_an_output_that_is_a_folder_exits_1(tmp_path, capsys):
    (tmp_path / "out.zip").mkdir()
    code, out = export(tmp_path, name="out.zip")
    assert code == 1
    assert "it is a folder" in capsys.readouterr().err
    assert out.is_dir() and list(out.iterdir()) == []


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this user cannot create files in: read-only for an ordinary user; for root, who may write
    anywhere on an ordinary file system, sysfs, which takes no new files."""
    if os.geteuid() == 0:
        return Path("/sys/kernel")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def test_a_folder_that_cannot_be_written_exits_1_and_leaves_no_partial_zip(tmp_path, capsys):
    folder = _unwritable_folder(tmp_path)
    before = leftovers(folder)
    out = folder / "quiz.zip"
    code = main(["export", "scorm", QUIZ_ID, "-o", str(out), "--data", str(FRAMEWORKS), str(QUIZ)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"cannot write {out}" in err and "Nothing was written" in err and "Traceback" not in err
    assert leftovers(folder) == before


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_partial_one(tmp_path, capsys, monkeypatch):
    """The zip is written beside its place and renamed in: a failure (here, the disk filling up during
    the write) leaves what was there before, and no temporary file."""
    out = tmp_path / "quiz.zip"
    out.write_bytes(b"the previous package")

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd, mode):
            self.file = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, data):
            self.file.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("raterkit.files.os.fdopen", Full)
    assert main(["export", "scorm", QUIZ_ID, "-o", str(out), "--data", str(FRAMEWORKS), str(QUIZ)]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "No space left on device" in err and "Traceback" not in err
    assert out.read_bytes() == b"the previous package"
    assert leftovers(tmp_path) == ["quiz.zip"]


def test_a_quiz_file_with_problems_exits_1_lists_them_and_writes_nothing(tmp_path, capsys):
    data = tmp_path / "quiz"
    shutil.copytree(QUIZ, data)
    bad = data / f"{QUIZ_ID}.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace('reference: "II"', 'reference: "V"', 1), encoding="utf-8")
    out = tmp_path / "quiz.zip"
    code = main(["export", "scorm", QUIZ_ID, "-o", str(out), "--data", str(FRAMEWORKS), str(data)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{QUIZ_ID}.yaml:" in err and "'V'" in err
    assert "no package was written" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow  # loads a quiz of 1000 items, twice
def test_a_quiz_too_long_for_scorm_12s_suspend_data_is_refused_plainly_and_fits_2004(tmp_path, capsys):
    source = yaml.safe_load((QUIZ / f"{QUIZ_ID}.yaml").read_text(encoding="utf-8"))
    n_items = 1000
    assert suspend_worst_case(n_items) > SUSPEND_LIMIT["1.2"]
    template = {**source["items"][1], "behaviour": "A short account.", "rationale": "A short reason."}
    source["items"] = [{**template, "id": f"long-{n:04d}"} for n in range(n_items)]
    source["id"] = "long-quiz"
    data = tmp_path / "quiz"
    data.mkdir()
    (data / "long.yaml").write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "long.zip"
    args = ["export", "scorm", "long-quiz", "-o", str(out), "--data", str(FRAMEWORKS), str(data)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "quiz long-quiz cannot be a SCORM 1.2 package" in err and "1000 behaviours" in err and "4096" in err
    assert "Traceback" not in err and not out.exists() and leftovers(tmp_path) == ["quiz"]
    assert main([*args, "--scorm", "2004"]) == 0
    assert zipfile.ZipFile(out).testzip() is None


def test_an_unknown_edition_is_a_usage_error(tmp_path, capsys):
    code, out = export(tmp_path, "--scorm", "2.0")
    assert code == 2
    err = capsys.readouterr().err
    assert "invalid choice: '2.0'" in err and "Traceback" not in err and not out.exists()
