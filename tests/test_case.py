"""CASE 1.0: export, import, the schema, round trips of the shipped frameworks, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest

from raterkit.cli import main
from raterkit.interchange import case
from raterkit.load import load_framework

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "case-1.0-cfpackage.schema.json").read_text())
SHIPPED = sorted(p for p in (ROOT / "frameworks").glob("*.yaml") if p.name not in ("crosswalk.yaml", "glossary.yaml"))


def _load(path: Path):
    framework, problems = load_framework(path)
    assert framework is not None and problems == [], problems
    return framework


def test_five_frameworks_ship() -> None:
    assert len(SHIPPED) == 5


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_round_trip(path: Path, tmp_path: Path) -> None:
    framework = _load(path)
    text = case.dumps(framework)
    jsonschema.validate(json.loads(text), SCHEMA)
    back = tmp_path / "back.yaml"
    back.write_text(case.to_yaml(case.from_package(json.loads(text))), encoding="utf-8")
    again = _load(back)
    assert again == framework
    assert case.dumps(again) == text


def test_package_shape() -> None:
    framework = _load(ROOT / "frameworks" / "customer-service-rubric.yaml")
    package = case.to_package(framework)
    statements = [i for i in package["CFItems"] if i["CFItemType"] == "Statement"]
    assert sorted(s["fullStatement"] for s in statements) == sorted(s.text for s in framework.statements())
    assert len(statements) == len(list(framework.statements()))
    assert {a["associationType"] for a in package["CFAssociations"]} == {"isChildOf"}
    assert len(package["CFAssociations"]) == len(package["CFItems"])
    (rubric,) = package["CFRubrics"]
    assert [c["category"] for c in rubric["CFRubricCriteria"]] == [c.label for c in framework.competencies[0].criteria]
    levels = rubric["CFRubricCriteria"][0]["CFRubricCriterionLevels"]
    assert [(lv["quality"], lv["score"], lv["position"]) for lv in levels] == [
        ("Needs Improvement", 1, 1),
        ("Meets Expectations", 2, 2),
        ("Exceeds Expectations", 3, 3),
    ]
    assert levels[0]["description"].startswith("Fails to provide or begrudgingly")
    item_ids = {i["identifier"] for i in package["CFItems"]}
    assert all(c["CFItemURI"]["identifier"] in item_ids for c in rubric["CFRubricCriteria"])


def test_schema_holds_packages_to_case_1_0() -> None:
    """The schema is the CASE 1.0 binding's (tests/schemas/…): it must refuse what 1.0 refuses."""
    framework = _load(ROOT / "frameworks" / "customer-service-rubric.yaml")
    package = case.to_package(framework)
    level = package["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0]
    del level["rubricCriterionId"]  # optional in CASE 1.0
    jsonschema.validate(package, SCHEMA)

    def refused(change) -> None:
        broken = json.loads(json.dumps(package))
        change(broken)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)

    def levels(p):
        return p["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"]

    refused(lambda p: levels(p)[0].pop("lastChangeDateTime"))
    refused(lambda p: p["CFAssociations"][0].update(associationType="isParentOf"))
    refused(lambda p: p["CFItems"][0].update(identifier=p["CFItems"][0]["identifier"].upper()))
    refused(lambda p: p["CFItems"][0].update(identifier="6f1c1a52-3d0e-0b8e-9a57-2a1f5e0c8d11"))  # version 0
    refused(lambda p: p["CFItems"][0].update(lastChangeDateTime="2000-01-01 00:00"))
    refused(lambda p: p["CFItems"][0].update(CFItemAssociationURI={}))  # not a CASE property
    refused(lambda p: p["CFDocument"].pop("creator"))
    refused(lambda p: p["CFDocument"].update(frameworkType="Performance framework"))  # not a CASE 1.0 property
    refused(lambda p: p.update(CFRubric=[]))


def _plain_package() -> dict:
    """A plain CASE 1.0 package, valid against the schema: items and isChildOf associations, no rubrics."""
    changed = "2024-05-01T12:00:00Z"
    doc = {
        "identifier": "11111111-1111-4111-8111-111111111111",
        "uri": "https://case.example.org/uri/11111111-1111-4111-8111-111111111111",
        "creator": "Example registry",
        "title": "Plain",
        "lastChangeDateTime": changed,
    }
    items, assocs = [], []
    tree = [("C1", "Serve customers", None), ("", '="quoted" ünïcode', "C1"), ("", "Second", "C1")]
    ids = {}
    for n, (code, text, parent) in enumerate(tree):
        ident = f"22222222-2222-4222-8222-{n:012d}"
        ids[code or text] = ident
        item = {"identifier": ident, "fullStatement": text, "uri": f"urn:x:{n}", "lastChangeDateTime": changed}
        items.append({**item, "humanCodingScheme": code} if code else item)
        dest = ids[parent] if parent else doc["identifier"]
        assocs.append(
            {
                "identifier": f"33333333-3333-4333-8333-{n:012d}",
                "uri": f"urn:x:a{n}",
                "associationType": "isChildOf",
                "sequenceNumber": n,
                "originNodeURI": {"title": text, "identifier": ident, "uri": f"urn:x:{n}"},
                "destinationNodeURI": {"title": "parent", "identifier": dest, "uri": "urn:x:parent"},
                "lastChangeDateTime": changed,
            }
        )
    return {"CFDocument": doc, "CFItems": items, "CFAssociations": assocs}


def test_plain_package_without_rubrics(tmp_path: Path) -> None:
    package = _plain_package()
    jsonschema.validate(package, SCHEMA)
    framework = case.from_package(package, "my plain (v2)")
    assert framework.id == "my-plain-v2"
    out = tmp_path / "plain.yaml"
    out.write_text(case.to_yaml(framework), encoding="utf-8")
    loaded = _load(out)
    assert [s.text for s in loaded.statements()] == ['="quoted" ünïcode', "Second"]
    assert len(loaded.scale) == 1


def test_cli_export_import_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(ROOT)

    def _cli(*args: str) -> SimpleNamespace:
        code = main(list(args))
        return SimpleNamespace(returncode=code, stderr=capsys.readouterr().err)

    first, second, yaml_out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "new.yaml"
    assert _cli("export", "case", "frontline-customer-service", "-o", str(first)).returncode == 0
    result = _cli("import", "case", str(first), "-o", str(yaml_out))
    assert result.returncode == 0, result.stderr
    assert _cli("validate", str(yaml_out)).returncode == 0
    assert _cli("export", "case", str(yaml_out), "-o", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text('{"CFItems": []}')
    result = _cli("import", "case", str(bad), "-o", str(tmp_path / "x.yaml"))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "not a CASE 1.0 package" in result.stderr
    assert not (tmp_path / "x.yaml").exists()
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = _cli("import", "case", str(deep), "-o", str(tmp_path / "x.yaml"))
    assert result.returncode == 1 and "is nested more than 64 levels deep" in result.stderr
    assert not (tmp_path / "x.yaml").exists()
    result = _cli("export", "case", "no-such-framework", "-o", str(tmp_path / "y.json"))
    assert result.returncode == 2 and "no framework" in result.stderr


def test_import_case_writes_block_style_yaml_a_person_can_edit(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    package, out = tmp_path / "plain.json", tmp_path / "plain.yaml"
    package.write_text(json.dumps(_plain_package()), encoding="utf-8")
    assert main(["import", "case", str(package), "-o", str(out)]) == 0, capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema=")
    assert [line.split(":")[0] for line in lines if line[:1].isalpha()] == [
        "id",
        "title",
        "scale",
        "competencies",
    ]
    assert not any(line.rstrip().endswith(("{", "[")) or ": {" in line or ": [" in line for line in lines), text
    assert [line.strip() for line in lines[-2:]] == ['- ="quoted" ünïcode', "- Second"]  # one statement a line
    assert _load(out).competencies[0].title == "Serve customers"
