"""Framework and quiz files as YAML a person edits: block style, long text on one line or as a literal block.

The one YAML writer of the importers (CASE, spreadsheets): keys in the model's order,
statements verbatim, nothing left out that the model holds.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..model import IMPLICIT_CRITERION_ID, IMPLICIT_CRITERION_LABEL, Framework, Quiz

__all__ = ["framework_yaml", "quiz_yaml"]


# libyaml's emitter when PyYAML has it: twenty times faster on a large framework.
_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[valid-type,misc]
    """Text holding line breaks as a literal block (``|``), which reads as it will show."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text)


def dump(data: Any, schema: str | None = None) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    return (f"# yaml-language-server: $schema={schema}\n" if schema else "") + text


def framework_yaml(fw: Framework) -> str:
    """The framework as a YAML file raterkit validates, statements verbatim and in order."""
    data = fw.model_dump(exclude_none=True)
    for comp in data["competencies"]:
        if comp["criteria"] == [{"id": IMPLICIT_CRITERION_ID, "label": IMPLICIT_CRITERION_LABEL}]:
            del comp["criteria"]
    for key in ("guidance", "placeholders"):
        if not data.get(key):
            data.pop(key, None)
    return dump(data, "schema.json")


def quiz_yaml(quiz: Quiz) -> str:
    """The quiz bank as a YAML file raterkit validates, items in order."""
    data = quiz.model_dump(exclude_none=True)
    if data.get("pass_rule") == {}:
        del data["pass_rule"]
    return dump(data)
