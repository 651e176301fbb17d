"""A framework as a 1EdTech CASE 1.0 CFPackage, and a CFPackage back as a framework.

Identifiers are UUID v5 of the statement addresses, and the change time is fixed, so exporting
the same framework twice gives the same bytes. What CASE has no field for (guidance,
placeholders, plan elements, a source's seed) rides in ``extensions`` objects (a CASE 1.1
property, which readers that do not know it ignore); without them an import still gives a
valid framework.

The package follows the CASE Service 1.0 REST/JSON binding's CFPackage (its OpenAPI definitions
CFPckgDocument, CFPckgItem, CFPckgAssociation, CFRubric, CFRubricCriterion,
CFRubricCriterionLevel): every required property, lower-case UUIDs (version 5 here), URIs and
RFC 3339 date-times. Beyond the package types it writes ``CFPackageURI`` and ``CFDocumentURI``
(1.0 defines them on the same objects outside a package; OpenSALT writes them in packages) and
``extensions`` (CASE 1.1). tests/schemas/case-1.0-cfpackage.schema.json
holds the binding as a JSON Schema and says where each rule comes from.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from ..model import IMPLICIT_CRITERION_ID, Competency, Criterion, Framework, Level
from .yamlout import framework_yaml

NAMESPACE = uuid.UUID("6f1c1a52-3d0e-5b8e-9a57-2a1f5e0c8d11")
CHANGED = "2000-01-01T00:00:00+00:00"
BASE = "urn:raterkit:"


def _id(address: str) -> str:
    return str(uuid.uuid5(NAMESPACE, address))


def _uri(identifier: str) -> str:
    return f"{BASE}{identifier}"


def _link(identifier: str, title: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": _uri(identifier)}


def to_package(fw: Framework) -> dict[str, Any]:
    """The CFPackage of a framework, as plain data."""
    doc_id = _id(fw.id)
    doc_link = _link(doc_id, fw.title)
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": _uri(doc_id),
        "creator": "raterkit",
        "title": fw.title,
        "lastChangeDateTime": CHANGED,
        "CFPackageURI": _link(doc_id, fw.title),
        "adoptionStatus": "Adopted",
        "language": "en",
        "extensions": {
            "raterkit": {
                "id": fw.id,
                **fw.model_dump(include={"family", "source", "guidance", "placeholders"}, exclude_none=True),
            }
        },
    }
    if fw.source and fw.source.url:
        document["officialSourceURL"] = fw.source.url
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    rubrics: list[dict[str, Any]] = []

    def item(
        address: str, statement: str, kind: str, code: str, parent: str, parent_title: str, extra: dict | None = None
    ) -> dict:
        identifier = _id(address)
        entry: dict[str, Any] = {
            "identifier": identifier,
            "uri": _uri(identifier),
            "fullStatement": statement,
            "humanCodingScheme": code,
            "CFItemType": kind,
            "lastChangeDateTime": CHANGED,
            "CFDocumentURI": doc_link,
        }
        if extra:
            entry["extensions"] = {"raterkit": extra}
        items.append(entry)
        a_id = _id(f"{address}#isChildOf")
        associations.append(
            {
                "identifier": a_id,
                "uri": _uri(a_id),
                "associationType": "isChildOf",
                "sequenceNumber": len(associations) + 1,
                "originNodeURI": _link(identifier, statement),
                "destinationNodeURI": _link(parent, parent_title),
                "lastChangeDateTime": CHANGED,
                "CFDocumentURI": doc_link,
            }
        )
        return entry

    scale = [{"id": lv.id, "label": lv.label} for lv in fw.scale]
    document["extensions"]["raterkit"]["scale"] = scale
    for comp in fw.competencies:
        caddr = f"{fw.id}/{comp.id}"
        extra = comp.model_dump(
            include={"definition", "definition_level", "expectations", "plan_element"}, exclude_none=True
        )
        c_item = item(caddr, comp.title, "Competency", comp.id, doc_id, fw.title, extra)
        rubric_id = _id(f"{caddr}#rubric")
        criteria = []
        for cpos, crit in enumerate(comp.criteria, start=1):
            kaddr = f"{caddr}/{crit.id}"
            k_item = item(kaddr, crit.label, "Criterion", crit.id, c_item["identifier"], comp.title)
            rc_id = _id(f"{kaddr}#criterion")
            levels = []
            for lpos, level in enumerate(fw.scale, start=1):
                texts = comp.statements(level.id, crit.id)
                for n, text in enumerate(texts, start=1):
                    saddr = f"{fw.id}/{comp.id}/{level.id}/{crit.id}/{n}"
                    item(
                        saddr,
                        text,
                        "Statement",
                        f"{level.id}.{n}",
                        k_item["identifier"],
                        crit.label,
                        {"level": level.id},
                    )
                rl_id = _id(f"{kaddr}/{level.id}#level")
                levels.append(
                    {
                        "identifier": rl_id,
                        "uri": _uri(rl_id),
                        "description": "\n".join(texts),
                        "quality": level.label,
                        "score": lpos,
                        "position": lpos,
                        "rubricCriterionId": rc_id,
                        "lastChangeDateTime": CHANGED,
                    }
                )
            criteria.append(
                {
                    "identifier": rc_id,
                    "uri": _uri(rc_id),
                    "category": crit.label,
                    "description": crit.label,
                    "CFItemURI": _link(k_item["identifier"], crit.label),
                    "weight": 1,
                    "position": cpos,
                    "rubricId": rubric_id,
                    "lastChangeDateTime": CHANGED,
                    "CFRubricCriterionLevels": levels,
                }
            )
        rubrics.append(
            {
                "identifier": rubric_id,
                "uri": _uri(rubric_id),
                "title": comp.title,
                "lastChangeDateTime": CHANGED,
                "CFRubricCriteria": criteria,
            }
        )
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations, "CFRubrics": rubrics}


def dumps(fw: Framework) -> str:
    """The CFPackage as JSON text, the same bytes every time."""
    return json.dumps(to_package(fw), ensure_ascii=False, indent=2) + "\n"


def from_package(package: dict[str, Any], fallback_id: str = "imported") -> Framework:
    """A framework from a CFPackage (raterkit's own, or a plain one: its items become statements under one level)."""
    fallback_id = re.sub(r"[^A-Za-z0-9_.-]+", "-", fallback_id).strip("-._")[:80] or "imported"
    document = package["CFDocument"]
    meta = (document.get("extensions") or {}).get("raterkit") or {}
    items = {i["identifier"]: i for i in package.get("CFItems", [])}
    children: dict[str, list[str]] = {}
    for a in sorted(package.get("CFAssociations", []), key=lambda a: a.get("sequenceNumber", 0)):
        if a.get("associationType") == "isChildOf":
            children.setdefault(a["destinationNodeURI"]["identifier"], []).append(a["originNodeURI"]["identifier"])
    root = document["identifier"]
    title = document["title"]
    fields = {k: meta[k] for k in ("family", "source", "guidance", "placeholders") if k in meta}
    if "scale" in meta:
        scale = [Level(**lv) for lv in meta["scale"]]
        competencies = []
        for cid in children.get(root, []):
            c = items[cid]
            extra = (c.get("extensions") or {}).get("raterkit") or {}
            criteria: list[Criterion] = []
            descriptors: dict[str, dict[str, list[str]]] = {}
            for kid in children.get(cid, []):
                k = items[kid]
                criteria.append(Criterion(id=k["humanCodingScheme"], label=k["fullStatement"]))
                for sid in children.get(kid, []):
                    s = items[sid]
                    lv = s["extensions"]["raterkit"]["level"]
                    descriptors.setdefault(lv, {}).setdefault(k["humanCodingScheme"], []).append(s["fullStatement"])
            ordered = {lv.id: descriptors[lv.id] for lv in scale if lv.id in descriptors}
            competencies.append(
                Competency(
                    id=c["humanCodingScheme"], title=c["fullStatement"], criteria=criteria, descriptors=ordered, **extra
                )
            )
        return Framework(id=meta.get("id", fallback_id), title=title, scale=scale, competencies=competencies, **fields)
    # A plain CASE package: top-level items are competencies; everything beneath, statements under one level.

    def walk(node: str, into: list[str]) -> None:
        for child in children.get(node, []):
            into.append(items[child]["fullStatement"])
            walk(child, into)

    competencies = []
    for n, cid in enumerate(children.get(root, []), start=1):
        c = items[cid]
        texts: list[str] = []
        walk(cid, texts)
        if not texts:
            texts = [c["fullStatement"]]
        code = c.get("humanCodingScheme") or f"c{n}"
        competencies.append(
            Competency(
                id=_safe_id(code, n),
                title=c.get("abbreviatedStatement") or c["fullStatement"],
                descriptors={"1": {IMPLICIT_CRITERION_ID: texts}},
            )
        )
    return Framework(id=fallback_id, title=title, scale=[Level(id="1", label="Described")], competencies=competencies)


def _safe_id(code: str, n: int) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", code).strip("-.")[:80]
    return cleaned if cleaned and cleaned[0].isalnum() else f"c{n}"


def to_yaml(fw: Framework) -> str:
    """The framework as a YAML file raterkit validates, statements verbatim and in order."""
    return framework_yaml(fw)
