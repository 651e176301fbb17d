"""The quiz item bank: enough items, every described level covered, and behaviours that make
the trainee judge rather than match words (no copied descriptor wording, no level names)."""

from __future__ import annotations

import re
from collections import Counter


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def _runs(text: str, n: int = 5) -> set[tuple[str, ...]]:
    w = _words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def test_the_bank_has_at_least_sixty_items_on_all_five_frameworks(catalog):
    items = [i for q in catalog.quizzes.values() for i in q.items]
    assert len(items) >= 60
    assert {i.framework for i in items} == set(catalog.frameworks)


def test_every_described_level_of_every_competency_has_at_least_two_items(catalog):
    items = [i for q in catalog.quizzes.values() for i in q.items]
    counts = Counter((i.framework, i.competency, i.reference) for i in items)
    for fw in catalog.frameworks.values():
        for comp in fw.competencies:
            for level, cells in comp.descriptors.items():
                if any(cells.values()):
                    assert counts[(fw.id, comp.id, level)] >= 2, (fw.id, comp.id, level)


def test_acqdemo_items_spread_over_the_three_discriminators_and_the_factor_as_a_whole(catalog):
    for fw_id in ("acqdemo-cp1-customer-relations", "acqdemo-cp3-customer-relations"):
        items = [i for q in catalog.quizzes.values() for i in q.items if i.framework == fw_id]
        assert {i.criterion for i in items} == {
            None,
            "breadth-of-influence",
            "customer-needs",
            "customer-interaction-level",
        }


def test_behaviours_never_copy_five_words_of_a_descriptor(catalog):
    copied = []
    for q in catalog.quizzes.values():
        for item in q.items:
            statements = [s.text for s in catalog.frameworks[item.framework].statements()]
            runs = set().union(*(_runs(s) for s in statements))
            overlap = _runs(item.behaviour) & runs
            if overlap:
                copied.append((item.id, sorted(overlap)[:2]))
    assert copied == []


def test_behaviours_never_name_a_level(catalog):
    named = []
    for q in catalog.quizzes.values():
        for item in q.items:
            fw = catalog.frameworks[item.framework]
            for level in fw.scale:
                label = level.label.lower()
                core = re.sub(r"^level \w+ \((.*)\)$", r"\1", label)
                for phrase in {label, core}:
                    if re.search(r"\b" + re.escape(phrase) + r"\b", item.behaviour.lower()):
                        named.append((item.id, phrase))
            if re.search(r"\blevel\b", item.behaviour.lower()):
                named.append((item.id, "level"))
    assert named == []


def test_behaviours_are_vignettes_of_three_to_six_sentences(catalog):
    wrong = []
    for q in catalog.quizzes.values():
        for item in q.items:
            sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", item.behaviour.strip()) if s]
            if not 3 <= len(sentences) <= 6:
                wrong.append((item.id, len(sentences)))
    assert wrong == []


def test_each_rationale_cites_a_statement_of_the_reference_level_first(catalog):
    for q in catalog.quizzes.values():
        for item in q.items:
            first = item.cites[0].split("/")
            assert first[0] == item.framework and first[1] == item.competency
            assert (
                first[2] == item.reference or catalog.frameworks[item.framework].id == "ita-customer-service-element"
            ), item.id


def test_reference_levels_are_not_in_scale_order_within_a_quiz(catalog):
    for q in catalog.quizzes.values():
        fw = catalog.frameworks[q.framework]
        order = [fw.level_index(i.reference) for i in q.items]
        assert order != sorted(order), q.id


def test_items_of_one_vignette_must_show_one_behaviour_each_on_its_own_criterion(tmp_path):
    import shutil

    from raterkit.load import load_catalog
    from support import FRAMEWORKS

    shutil.copytree(FRAMEWORKS, tmp_path / "frameworks", ignore=shutil.ignore_patterns("sources"))
    (tmp_path / "quiz").mkdir()
    item = """  - id: {id}
    vignette: {vignette}
    framework: acqdemo-cp3-customer-relations
    competency: customer-relations
    criterion: {criterion}
    behaviour: {behaviour}
    reference: I
    rationale: Because.
    cites: [acqdemo-cp3-customer-relations/customer-relations/I/customer-needs/1]
"""
    text = "id: v\ntitle: V\nitems:\n" + "".join(
        item.format(**row)
        for row in [
            {"id": "v1", "vignette": "a", "criterion": "customer-needs", "behaviour": "Ann answers the phone."},
            {"id": "v2", "vignette": "a", "criterion": "customer-needs", "behaviour": "Ann answers the phone."},
            {"id": "v3", "vignette": "a", "criterion": "breadth-of-influence", "behaviour": "Bob writes a memo."},
            {"id": "v4", "vignette": "b", "criterion": "customer-needs", "behaviour": "Cy files."},
        ]
    )
    (tmp_path / "quiz" / "v.yaml").write_text(text, encoding="utf-8")
    _, problems = load_catalog([tmp_path / "frameworks", tmp_path / "quiz"])
    lines = [p.headline().split("/")[-1] if "/" in p.headline() else p.headline() for p in problems]
    assert any("items[1].criterion: vignette 'a' already rates 'customer-needs' (line 8)" in ln for ln in lines), lines
    assert any("items[2].behaviour: differs from the first item of vignette 'a' (line 9)" in ln for ln in lines), lines
    assert any("items[3].vignette: vignette 'b' has only this item" in ln for ln in lines), lines


def test_quiz_items_naming_a_missing_framework_competency_or_criterion_are_reported_by_line(tmp_path):
    import shutil

    from raterkit.load import load_catalog
    from support import FRAMEWORKS

    shutil.copytree(FRAMEWORKS, tmp_path / "frameworks", ignore=shutil.ignore_patterns("sources"))
    (tmp_path / "quiz").mkdir()
    cite = "acqdemo-cp3-customer-relations/customer-relations/I/customer-needs/1"
    (tmp_path / "quiz" / "q.yaml").write_text(
        "id: q\ntitle: Q\nitems:\n"
        "  - {id: a1, framework: nope, competency: x, behaviour: B., reference: I, rationale: R., cites: [x]}\n"
        f"  - {{id: a2, framework: acqdemo-cp3-customer-relations, competency: nope, behaviour: B., reference: V, rationale: R., cites: [{cite}]}}\n"
        f"  - {{id: a3, framework: acqdemo-cp3-customer-relations, competency: customer-relations, criterion: tone, behaviour: B., reference: I, rationale: R., cites: [{cite}]}}\n",
        encoding="utf-8",
    )
    _, problems = load_catalog([tmp_path / "frameworks", tmp_path / "quiz"])
    got = [(p.line, p.field, p.message) for p in problems]
    assert got == [
        (4, "items[0].framework", "no framework has the id 'nope'"),
        (5, "items[1].competency", "framework 'acqdemo-cp3-customer-relations' has no competency 'nope'"),
        (5, "items[1].reference", "'V' is not a level of this scale (I, II, III)"),
        (6, "items[2].criterion", "competency 'customer-relations' has no criterion 'tone'"),
    ]
