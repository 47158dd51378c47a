"""The rubric in plain words: what each criterion rewards, how its 0-100 score is computed, what it
counts towards the overall, and the overall rule itself.

Everything a rubric file sets (labels, weights, pass mark, outcome share, caps, min_turns, which
criteria it uses) comes from the rubric, read through parley.rubrics.load_rubric: the default rubric,
or the one a persona names (`rubric:` in its YAML).  Only the explanations of how parley/scoring.py
computes each criterion are text, in parley/data/rubric_plain.yml; its {placeholders} are filled in
from the rubric, so the page cannot state a weight or pass mark the scoring does not use.
tests/core/test_cockpit_rubric.py holds the plain texts to scoring.py's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from pydantic import BaseModel, constr

from parley.rubrics import DEFAULT_RUBRIC, MOMENTS, Rubric, RubricError, load_rubric
from parley.rubrics import Criterion as CriterionId

PLAIN = Path(__file__).resolve().parent.parent / "data" / "rubric_plain.yml"
Text = constr(strict=True, strip_whitespace=True, min_length=1)


class _Plain(BaseModel):
    class Config:
        extra = "forbid"


class PlainCriterion(_Plain):
    rewards: Text
    not_shown: Text
    computed: Text


class PlainRubric(_Plain):
    """parley/data/rubric_plain.yml: the words; the numbers come from the rubric."""

    overall: Text
    outcome: Text
    pass_: Text
    caps: Text
    not_assessed: Text
    not_counted: Text
    left_out: Text
    moments: Dict[str, Text]
    criteria: Dict[CriterionId, PlainCriterion]

    class Config:
        fields = {"pass_": "pass"}


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    rewards: str
    computed: str
    not_shown: str = ""
    weight: float = 1.0
    share: float = 0.0  # percent of the overall this criterion can move (0: left out of the overall)

    @property
    def counts(self) -> bool:
        return self.weight > 0

    @property
    def share_text(self) -> str:
        return percent(self.share)


@dataclass(frozen=True)
class Page:
    """The 'How scoring works' page for one rubric."""

    rubric: str
    title: str
    pass_mark: int
    criteria: Tuple[Criterion, ...]
    overall: str  # the overall rule, with the rubric's shares
    outcome: str
    passing: str
    caps: str  # '' when the rubric has no caps
    not_assessed: str
    not_counted: str  # the note beside a criterion of weight 0
    left_out: str  # '' when the rubric uses all seven criteria


def percent(value: float) -> str:
    """9.4117 -> '9.4', 80.0 -> '80': one decimal at most, as the page prints shares."""
    return f"{round(value, 1):g}"


def plain() -> PlainRubric:
    return _plain(PLAIN.stat().st_mtime)


@lru_cache(maxsize=4)
def _plain(mtime: float) -> PlainRubric:
    return PlainRubric.parse_obj(yaml.safe_load(PLAIN.read_text(encoding="utf-8")))


def shares(rubric: Rubric) -> Dict[str, float]:
    """Each criterion's share of the overall in percent, as parley.scoring.overall weighs it."""
    counted = {k: w for k, w in rubric.weights.items() if w > 0}
    total = sum(counted.values()) or 1.0
    return {k: 100 * (1 - rubric.outcome_weight) * counted.get(k, 0) / total for k in rubric.weights}


def page(name: str | None = None) -> Page:
    """The page for the rubric called `name` (default rubric when None); RubricError when unknown."""
    rubric, words = load_rubric(name or DEFAULT_RUBRIC), plain()
    share = shares(rubric)
    items = tuple(Criterion(c.id.value, c.label, words.criteria[c.id].rewards, words.criteria[c.id].computed,
                            words.criteria[c.id].not_shown, c.weight, share[c.id.value]) for c in rubric.criteria)
    unused = [_default_label(c) for c in CriterionId if c.value not in rubric.weights]
    outcome_share = 100 * rubric.outcome_weight
    return Page(
        rubric=rubric.name, title=rubric.title, pass_mark=rubric.pass_mark, criteria=items,
        overall=words.overall.format(criteria_share=percent(100 - outcome_share), outcome_share=percent(outcome_share)),
        outcome=words.outcome, passing=words.pass_.format(pass_mark=rubric.pass_mark),
        caps=words.caps.format(caps=_caps(rubric, words)) if rubric.caps else "",
        not_assessed=words.not_assessed.format(min_turns=rubric.min_turns), not_counted=words.not_counted,
        left_out=words.left_out.format(labels=", ".join(unused)) if unused else "")


def _caps(rubric: Rubric, words: PlainRubric) -> str:
    return "; ".join(f"{words.moments.get(kind, kind.replace('_', ' '))}: at most {cap}"
                     for kind, cap in sorted(rubric.caps.items(), key=lambda kv: (kv[1], MOMENTS.index(kv[0]))))


def _default_label(criterion: CriterionId) -> str:
    from parley.scoring import CRITERIA

    return CRITERIA[criterion.value]


def rubric_for_persona(persona_id: str) -> str:
    """The rubric a persona names; RubricError when there is no such persona."""
    from parley.personas import load_available

    personas, _ = load_available()
    if persona_id not in personas:
        raise RubricError(f"there is no persona called '{persona_id}' (personas: {', '.join(sorted(personas))})")
    return personas[persona_id].rubric


def criteria(name: str | None = None) -> List[Criterion]:
    """The criteria of a rubric (default rubric when None), in its report order, in plain words."""
    return list(page(name).criteria)


def overall_rule(name: str | None = None) -> str:
    """How the overall is made, from the rubric's numbers: shares, outcome, pass mark, caps, not assessed."""
    p = page(name)
    return " ".join(part for part in (p.overall, p.outcome, p.passing, p.caps, p.not_assessed) if part)


def names() -> Dict[str, str]:
    """Criterion id -> label for every criterion (charts and exports across rubrics): the default
    rubric's labels, the evaluator's names for any it leaves out."""
    labels = {c.value: _default_label(c) for c in CriterionId}
    labels.update({c.id: c.name for c in criteria()})
    return labels
