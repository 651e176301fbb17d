"""The `raterkit` command, run in-process as a user would type it."""

from __future__ import annotations

import json
import shutil

import jsonschema
import yaml

from raterkit.cli import main
from raterkit.model import anchor
from raterkit.schema import framework_schema
from support import FRAMEWORKS, ROOT


def test_validate_the_shipped_data_prints_one_summary_line(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("All valid: 5 frameworks, 9 competencies, 18 levels, 103 statements")


def test_broken_file_among_good_ones_exits_1_and_names_file_and_line(tmp_path, capsys, monkeypatch):
    shutil.copytree(FRAMEWORKS, tmp_path / "frameworks")
    bad = tmp_path / "frameworks" / "acqdemo-cp3-customer-relations.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("  - {id: III, label: Level III}\n", ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "frameworks"]) == 1
    out = capsys.readouterr().out
    assert "frameworks/acqdemo-cp3-customer-relations.yaml:" in out
    assert "'III' is not a level of this scale (I, II)" in out
    assert "Traceback" not in out


def test_wrong_usage_exits_2_without_a_traceback(capsys):
    assert main(["validate", "--no-such-option"]) == 2
    assert main(["frobnicate"]) == 2
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "validate" in capsys.readouterr().out


def test_a_path_that_does_not_exist_is_a_problem_not_a_crash(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "nowhere.yaml"]) == 1
    assert "nowhere.yaml: no such file or folder" in capsys.readouterr().out


def test_schema_command_prints_the_committed_schema(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    committed = json.loads((FRAMEWORKS / "schema.json").read_text(encoding="utf-8"))
    assert printed == committed == framework_schema(), "run: raterkit schema > frameworks/schema.json"


def test_every_framework_file_points_editors_at_the_schema_and_passes_it():
    schema = framework_schema()
    files = [f for f in FRAMEWORKS.glob("*.yaml") if f.name not in ("crosswalk.yaml", "glossary.yaml")]
    assert len(files) >= 5
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=schema.json\n"), f.name
        jsonschema.validate(yaml.safe_load(text), schema)


def test_schema_rejects_what_the_loader_rejects():
    schema = framework_schema()
    data = yaml.safe_load((FRAMEWORKS / "acqdemo-cp1-customer-relations.yaml").read_text(encoding="utf-8"))
    data["titel"] = data.pop("title")
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as exc:
        assert "titel" in str(exc) or "title" in str(exc)
    else:
        raise AssertionError("the schema accepted an unknown key")


def test_addresses_lists_every_statement_once(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["addresses", "frameworks"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    addresses = [r.split("\t")[0] for r in rows]
    assert len(addresses) == len(set(addresses)) == 103
    assert "ita-customer-service-element/customer-service/3/overall/3" in addresses
    assert len({anchor(a) for a in addresses}) == 103


def test_an_unexpected_error_is_said_plainly_without_a_traceback(capsys, monkeypatch):
    import raterkit.cli as cli

    def broken(args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "cmd_validate", broken)
    monkeypatch.delenv("RATERKIT_DEBUG", raising=False)
    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "something went wrong that raterkit did not expect (RuntimeError: disk on fire)" in err
    assert "Traceback" not in err
