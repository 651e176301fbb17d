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


def test_schema_rejects_a_level_without_its_criterion() -> None:
    framework = _load(ROOT / "frameworks" / "customer-service-rubric.yaml")
    package = case.to_package(framework)
    del package["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0]["rubricCriterionId"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(package, SCHEMA)


def test_plain_package_without_rubrics(tmp_path: Path) -> None:
    doc = {"identifier": "11111111-1111-4111-8111-111111111111", "title": "Plain", "uri": "urn:x:d"}
    items, assocs = [], []
    tree = [("C1", "Serve customers", None), ("", '="quoted" ünïcode', "C1"), ("", "Second", "C1")]
    ids = {}
    for n, (code, text, parent) in enumerate(tree):
        ident = f"22222222-2222-4222-8222-{n:012d}"
        ids[code or text] = ident
        items.append({"identifier": ident, "fullStatement": text, "humanCodingScheme": code, "uri": f"urn:x:{n}"})
        dest = ids[parent] if parent else doc["identifier"]
        assocs.append(
            {
                "associationType": "isChildOf",
                "sequenceNumber": n,
                "originNodeURI": {"identifier": ident},
                "destinationNodeURI": {"identifier": dest},
            }
        )
    framework = case.from_package({"CFDocument": doc, "CFItems": items, "CFAssociations": assocs}, "my plain (v2)")
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
