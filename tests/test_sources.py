"""The framework files say exactly what the source documents say: nothing lost, nothing added.

Each seed document in frameworks/sources/ is compared with the data loaded from its framework
file, after normalising whitespace, bullet characters and the seeds' HTML/Markdown markup:
(1) every statement, definition, expectation, guidance note, result and standard in the data
appears verbatim in the source; (2) once those texts and the titles/labels are taken out of the
source, only the structural headings listed below are left: every sentence of the source is
somewhere in the data. Facts the data holds as typed fields (weight, result counts) are checked
against the source's own words.
"""

from __future__ import annotations

import re

import pytest

from support import FRAMEWORKS

# Headings and form instructions of each source, which the data holds as structure, not text.
STRUCTURE = {
    "acqdemo-cp1-customer-relations": [
        "CAREER PATH 1 BUSINESS MANAGEMENT & TECHNICAL MANAGEMENT PROFESSIONAL",
        "FACTOR DESCRIPTION:",
        "EXPECTED PERFORMANCE CRITERIA (Applicable to all contributions at all levels):",
        "LEVEL DESCRIPTORS",
        "DISCRIMINATORS",
    ],
    "acqdemo-cp3-customer-relations": [
        "CAREER PATH 3 ADMINISTRATIVE SUPPORT",
        "FACTOR DESCRIPTION:",
        "EXPECTED PERFORMANCE CRITERIA (Applicable to all contributions at all levels):",
        "LEVEL DESCRIPTORS",
        "DISCRIMINATORS",
    ],
    "customer-service-rubric": [
        "Parts of a Competency",
        "Competency",
        "Definition",
        "Rating Scale",
        "Factors",
        "Standards",
    ],
    "frontline-customer-service": ["COMPETENCIES FOR FRONT-LINE CUSTOMER SERVICE POSITIONS", "Performance:"],
    "ita-customer-service-element": [
        # the document's title; the weight rule is checked as a typed field below
        "Critical Element (minimum 15% weight, but no prescribed weight).",
        # instructions to whoever fills in the CD-430 form, not performance text
        "Instructions - Please cut and paste the blue text onto the CD-430 Performance Management Record critical element for",
        "Critical Element and Objective",
        "Weighting Factor ( )",
        "Enter the weight for this element in the adjacent box..→",
        "Element Weight",
        "Results of Major Activities:",
        "Identify results that need to be accomplished in support of the performance element.",
        # held as results.required (min 3, max 6): checked below
        "A minimum of 3 and a maximum of 6 measurable results must be listed.",
        "Criteria for Evaluation:",
    ],
}


def normalise(text: str) -> str:
    text = re.sub(r"</?(p|b)>", " ", text)
    text = text.replace("**", " ").replace("##", " ").replace("·", " ")
    return re.sub(r"\s+", " ", text).strip()


def source_text(framework) -> str:
    return normalise((FRAMEWORKS / "sources" / framework.source.seed).read_text(encoding="utf-8"))


def data_texts(framework) -> list[str]:
    texts = [s.text for s in framework.statements()] + list(framework.guidance)
    for comp in framework.competencies:
        texts += [t for t in (comp.definition, comp.expectations) if t]
        if comp.plan_element:
            plan = comp.plan_element
            texts += [*plan.results.items, plan.objective] + ([plan.standards.basis] if plan.standards.basis else [])
    return sorted({normalise(t) for t in texts}, key=len, reverse=True)


def labels(framework) -> list[str]:
    out = [level.label for level in framework.scale]
    for comp in framework.competencies:
        out += [comp.title] + ([] if comp.has_implicit_criterion else [c.label for c in comp.criteria])
    return sorted(set(out), key=len, reverse=True)


@pytest.fixture(scope="module")
def seeded(catalog):
    frameworks = [fw for fw in catalog.frameworks.values() if fw.source and fw.source.seed]
    return {fw.id: fw for fw in frameworks}


def test_every_seed_document_has_a_framework_file(seeded):
    seeds = {p.name for p in (FRAMEWORKS / "sources").glob("*.txt")}
    assert seeds == {fw.source.seed for fw in seeded.values()}
    assert len(seeds) == 5


@pytest.mark.parametrize("framework_id", sorted(STRUCTURE))
def test_nothing_in_the_data_is_absent_from_the_source(seeded, framework_id):
    fw = seeded[framework_id]
    source = source_text(fw)
    missing = [t for t in data_texts(fw) if t not in source]
    assert missing == []


@pytest.mark.parametrize("framework_id", sorted(STRUCTURE))
def test_every_sentence_of_the_source_is_in_the_data(seeded, framework_id):
    fw = seeded[framework_id]
    rest = source_text(fw)
    for text in data_texts(fw):
        rest = rest.replace(text, " ")
    rest = normalise(rest)
    for heading in sorted(STRUCTURE[framework_id], key=len, reverse=True):
        rest = rest.replace(heading, " ")
    for label in labels(fw):
        rest = re.sub(re.escape(label), " ", rest, flags=re.IGNORECASE)
    assert re.sub(r"[\s.,:;()\-–—]+", " ", rest).strip() == ""


def test_the_plan_element_holds_the_rules_the_source_states(seeded):
    fw = seeded["ita-customer-service-element"]
    source = source_text(fw)
    plan = fw.competencies[0].plan_element
    minimum = int(re.search(r"minimum (\d+)% weight", source).group(1))
    low, high = map(int, re.search(r"A minimum of (\d+) and a maximum of (\d+) measurable results", source).groups())
    assert plan.weight.minimum == minimum == 15
    assert (plan.results.required.min, plan.results.required.max) == (low, high) == (3, 6)
    assert low <= len(plan.results.items) <= high
    assert plan.standards.level == "3" and fw.level("3").label.startswith("Level 3")
    assert "Generic Performance standards also apply" in source and plan.standards.generic_standards_apply


def test_acqdemo_bullets_map_in_order_to_the_three_discriminators(seeded):
    for fw_id in ("acqdemo-cp1-customer-relations", "acqdemo-cp3-customer-relations"):
        comp = seeded[fw_id].competencies[0]
        assert [c.label for c in comp.criteria] == [
            "Breadth of Influence",
            "Customer Needs",
            "Customer Interaction Level",
        ]
        for level in seeded[fw_id].scale:
            assert all(len(comp.statements(level.id, c.id)) == 1 for c in comp.criteria)
    cp1 = seeded["acqdemo-cp1-customer-relations"].competencies[0]
    assert cp1.statements("I", "customer-needs") == ["Participates as a team member to meet customer needs."]


def test_front_line_definition_describes_the_target_level(seeded):
    fw = seeded["frontline-customer-service"]
    assert [lv.label for lv in fw.scale] == ["Below Target", "Target", "Exemplary"]
    assert len(fw.competencies) == 5
    for comp in fw.competencies:
        assert comp.definition_level == "target"
        assert " ".join(comp.statements("target", "overall")) == comp.definition


def test_office_placeholder_is_filled_from_configuration(seeded):
    fw = seeded["ita-customer-service-element"]
    text = fw.competencies[0].statements("3", "overall")[0]
    assert '[Insert "office" name]' in text
    assert "consistent with your office's and departmental guidance" in fw.fill(text)
    assert "consistent with Trade Compliance Center and departmental" in fw.fill(
        text, {"office": "Trade Compliance Center"}
    )
