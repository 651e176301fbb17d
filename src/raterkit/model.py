"""The vocabulary of raterkit: frameworks, scales, competencies, criteria, descriptors and quizzes.

These pydantic models are the public file format (see ``frameworks/schema.json``) and the
one trusted representation everything downstream reads. They are frozen: data is loaded
and validated once (``raterkit.load``) and never changed afterwards. Cross-references
(a descriptor naming a level that exists, a quiz citing a statement) are checked by the
loader, which can point at the exact line of a file; the models only hold the shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1)]

#: The criterion a competency gets when its source names none (behaviour anchors, plan elements).
IMPLICIT_CRITERION_ID = "overall"
IMPLICIT_CRITERION_LABEL = "Overall"


class Model(BaseModel):
    """Base: frozen, no unknown keys, whole numbers allowed where text is expected (``id: 3``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)


class Source(Model):
    """Where a framework's text comes from."""

    document: Text | None = Field(None, description="Title of the source document.")
    url: Text | None = Field(None, description="Where the source document can be read.")
    seed: Text | None = Field(
        None, description="File name of the source text in frameworks/sources/, if it is one of the seeds."
    )


class Level(Model):
    """One point of the ordered rating scale."""

    id: Id = Field(description="Short id used in descriptors, quizzes and responses, e.g. III or 3.")
    label: Text = Field(description="The level's name as users see it, e.g. 'Level III'.")


class Criterion(Model):
    """A discriminator or rubric factor: one row of the levels × criteria matrix."""

    id: Id
    label: Text


class Weight(Model):
    """A plan element's weight in percent. The source states a minimum; a plan may set a value."""

    minimum: int = Field(ge=0, le=100, description="Lowest weight the element may be given, in percent.")
    value: int | None = Field(
        None, ge=0, le=100, description="The weight given in a particular plan; at least the minimum."
    )


class ResultCount(Model):
    """How many results of major activities a plan must list."""

    min: int = Field(ge=0)
    max: int = Field(ge=1)


class Results(Model):
    """Results of major activities: measurable results a plan element lists."""

    required: ResultCount
    items: list[Text]


class Standards(Model):
    """Where a plan element's criteria for evaluation are defined (as descriptors of one level)."""

    level: Id = Field(description="The scale level the standards describe, e.g. 3 for Fully Successful.")
    basis: Text | None = Field(None, description="How performance is observed, as the source words it.")
    generic_standards_apply: bool = Field(
        False, description="True when the organisation's generic performance standards also apply."
    )


class PlanElement(Model):
    """Facts a performance-plan element states beyond its descriptors."""

    objective: Text
    critical: bool = True
    weight: Weight
    results: Results
    standards: Standards


class Competency(Model):
    """A factor, competency or plan element, with its descriptors by level and criterion."""

    id: Id
    title: Text
    definition: Text | None = None
    definition_level: Id | None = Field(
        None, description="The level the definition describes, when the source's definition is itself a level."
    )
    expectations: Text | None = Field(None, description="Expected performance at every level.")
    criteria: list[Criterion] = Field(
        default_factory=lambda: [Criterion(id=IMPLICIT_CRITERION_ID, label=IMPLICIT_CRITERION_LABEL)],
        description="Rows of the matrix. Leave out when the source has none: one implicit criterion, 'overall'.",
    )
    descriptors: dict[Id, dict[Id, list[Text]]] = Field(
        description="level id -> criterion id -> statements, verbatim from the source. Cells may be absent."
    )
    plan_element: PlanElement | None = None

    @property
    def has_implicit_criterion(self) -> bool:
        return len(self.criteria) == 1 and self.criteria[0].id == IMPLICIT_CRITERION_ID

    def statements(self, level: str, criterion: str) -> list[str]:
        return self.descriptors.get(level, {}).get(criterion, [])


class Placeholder(Model):
    """Text in the source to be filled from site configuration, e.g. ``[Insert "office" name]``."""

    name: Id = Field(description="The setting that fills it, e.g. office.")
    text: Text = Field(description="The placeholder exactly as the source writes it.")
    default: Text = Field(description="What to show when the setting is not given.")


class Framework(Model):
    """One source document: an ordered scale and one or more competencies."""

    id: Id
    title: Text
    family: Text | None = None
    source: Source | None = None
    guidance: list[Text] = Field(default_factory=list, description="Notes on how to use the descriptors.")
    scale: list[Level] = Field(min_length=1, description="Levels, lowest first.")
    competencies: list[Competency] = Field(min_length=1)
    placeholders: list[Placeholder] = Field(default_factory=list)

    def level_index(self, level_id: str) -> int:
        for i, level in enumerate(self.scale):
            if level.id == level_id:
                return i
        raise KeyError(level_id)

    def level(self, level_id: str) -> Level:
        return self.scale[self.level_index(level_id)]

    def competency(self, competency_id: str) -> Competency:
        for c in self.competencies:
            if c.id == competency_id:
                return c
        raise KeyError(competency_id)

    def criteria_of(self, item: QuizItem) -> list[tuple[str, str]]:
        """(id, label) of the criteria a quiz item is rated on: its one criterion, or all of its competency's."""
        competency = self.competency(item.competency)
        return [(c.id, c.label) for c in competency.criteria if item.criterion in (None, c.id)]

    def rated_on(self, item: QuizItem) -> str:
        """What a quiz item is rated on, in words: 'Factor 3: Customer Needs only', or the competency as a whole."""
        competency = self.competency(item.competency)
        if item.criterion:
            return f"{competency.title}: {dict(self.criteria_of(item))[item.criterion]} only"
        if competency.has_implicit_criterion:
            return competency.title
        return f"{competency.title}, as a whole"

    def place(self, address: str) -> str:
        """A statement's place in words: 'fw/customer-relations/III/needs/1' -> 'Level III, Customer Needs'."""
        _, competency_id, level, criterion_id, _ = address.split("/")
        competency = self.competency(competency_id)
        label = next((lv.label for lv in self.scale if lv.id == level), level)
        if competency.has_implicit_criterion:
            return label
        criterion = next((c.label for c in competency.criteria if c.id == criterion_id), criterion_id)
        return f"{label}, {criterion}"

    def statements(self) -> Iterator[Statement]:
        """Every descriptor statement with its stable address, in scale then criterion order."""
        for comp in self.competencies:
            for level in self.scale:
                for crit in comp.criteria:
                    for n, text in enumerate(comp.statements(level.id, crit.id), start=1):
                        yield Statement(self.id, comp.id, level.id, crit.id, n, text)

    def fill(self, text: str, settings: dict[str, str] | None = None) -> str:
        """Replace placeholders with configured values (or their readable defaults)."""
        settings = settings or {}
        for ph in self.placeholders:
            text = text.replace(ph.text, settings.get(ph.name) or ph.default)
        return text


@dataclass(frozen=True)
class Statement:
    """One descriptor statement and its address ``framework/competency/level/criterion/n``."""

    framework: str
    competency: str
    level: str
    criterion: str
    n: int
    text: str

    @property
    def address(self) -> str:
        return f"{self.framework}/{self.competency}/{self.level}/{self.criterion}/{self.n}"

    @property
    def anchor(self) -> str:
        return anchor(self.address)


def anchor(address: str) -> str:
    """The HTML id of a statement: its address with '/' as '--', safe in URLs and CSS."""
    return "s-" + re.sub(r"[^A-Za-z0-9_.-]", "-", address.replace("/", "--"))


class CrosswalkLink(Model):
    """One framework's competency (and optionally criterion) that belongs to a theme."""

    framework: Id
    competency: Id
    criterion: Id | None = None
    note: Text | None = None


class Theme(Model):
    """A theme running through several frameworks, e.g. timeliness."""

    id: Id
    title: Text
    description: Text | None = None
    links: list[CrosswalkLink] = Field(min_length=2)


class Crosswalk(Model):
    """Related criteria across frameworks (frameworks/crosswalk.yaml)."""

    title: Text = "Crosswalk"
    description: Text | None = None
    themes: list[Theme] = Field(min_length=1)


class PassRuleSpec(Model):
    """A quiz's own pass rule; a value left out takes the default for the scale's length."""

    exact: float | None = Field(None, ge=0, le=1, description="Minimum share of exact agreement, 0 to 1.")
    within_one: float | None = Field(None, ge=0, le=1, description="Minimum share within one level, 0 to 1.")
    max_abs_bias: float | None = Field(None, ge=0, description="Largest allowed average bias, in levels.")


class QuizItem(Model):
    """One sample behaviour to rate, with its reference (expert) level and the reasoning."""

    id: Id
    framework: Id
    competency: Id
    criterion: Id | None = Field(None, description="Rate on this criterion only; left out: the competency as a whole.")
    behaviour: Text = Field(description="The sample behaviour: a workplace vignette of 3 to 6 sentences.")
    reference: Id = Field(description="The reference level id on the framework's scale.")
    rationale: Text = Field(description="Why this level and not the neighbouring ones.")
    cites: list[Text] = Field(min_length=1, description="Addresses of the statements the rationale rests on.")
    vignette: Id | None = Field(
        None,
        description="Items sharing a vignette id show the same behaviour, each rated on another criterion "
        "(for halo and Cronbach's accuracy components).",
    )


class Quiz(Model):
    """A set of behaviours rated on one framework's scale."""

    id: Id
    title: Text
    description: Text | None = None
    pass_rule: PassRuleSpec | None = None
    items: list[QuizItem] = Field(min_length=1)

    @property
    def framework(self) -> str:
        return self.items[0].framework

    def vignettes(self) -> tuple[list[str], list[str | None], list[list[str | None]]]:
        """(vignette ids, criterion ids, grid of item ids: vignettes x criteria, None where absent)."""
        vignettes: list[str] = []
        criteria: list[str | None] = []
        for item in self.items:
            if item.vignette is not None:
                if item.vignette not in vignettes:
                    vignettes.append(item.vignette)
                if item.criterion not in criteria:
                    criteria.append(item.criterion)
        grid: list[list[str | None]] = [[None] * len(criteria) for _ in vignettes]
        for item in self.items:
            if item.vignette is not None:
                grid[vignettes.index(item.vignette)][criteria.index(item.criterion)] = item.id
        return vignettes, criteria, grid


class GlossaryTerm(Model):
    """A word the frameworks use, explained in plain language."""

    term: Text
    also: list[Text] = Field(default_factory=list, description="Other forms, e.g. the plural.")
    definition: Text


class Glossary(Model):
    """Terms shown as hover/tap definitions wherever they appear (frameworks/glossary.yaml)."""

    terms: list[GlossaryTerm] = Field(min_length=1)

    def forms(self) -> dict[str, str]:
        return {form: t.definition for t in self.terms for form in (t.term, *t.also)}
