"""Rubrics as data: which of the seven criteria count, how much, the pass mark and the advice.

The criteria are computed by code (parley/scoring.py); a rubric file in rubrics/ chooses which of
them count towards the overall (weight 0 leaves one out) and how much, sets the pass mark and the
advice the improvement plan gives. A persona names its rubric (`rubric: default`), and a session can
be started with another one (an assignment). The schema is defined once, here; docs/scoring.md is
rendered from it (`parley rubrics schema --write`).
"""

from __future__ import annotations

import os
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from pydantic import BaseModel, Field, confloat, conint, constr, root_validator

RUBRIC_DIR = Path(os.environ.get("PARLEY_RUBRIC_DIR") or Path(__file__).resolve().parent.parent / "rubrics")
DEFAULT_RUBRIC = "default"


class Criterion(str, Enum):
    """The seven criteria the evaluator computes (DESIGN.md)."""

    rapport = "rapport"
    exploration = "exploration"
    value_creation = "value_creation"
    concession_discipline = "concession_discipline"
    transparency = "transparency"
    collaborative_tone = "collaborative_tone"
    closing = "closing"


# The kinds of moment the improvement plan can write a better line for (keys of `better_lines`).
MOMENTS: Tuple[str, ...] = ("before_exploring", "gift", "stacked", "leap", "caved", "below_floor", "floor_first",
                            "accepted_below_floor", "pressure", "hold_position", "closed_questions", "no_reason",
                            "went_back", "early_close", "unconfirmed", "after_yes", "sympathy_only", "repeated",
                            "empty")
Name = constr(strict=True, strip_whitespace=True, regex=r"^[a-z][a-z0-9_]*$")
Text = constr(strict=True, strip_whitespace=True, min_length=1)


class _Schema(BaseModel):
    class Config:
        extra = "forbid"


class RubricCriterion(_Schema):
    """One criterion as this rubric counts it."""

    id: Criterion = Field(..., description="which computed criterion: " + ", ".join(c.value for c in Criterion))
    label: Text = Field(..., description="its name in the report, e.g. 'Rapport & empathy'")
    weight: confloat(ge=0, le=10) = Field(1, description="how much it counts towards the overall; 0 shows it in the "
                                                         "report but leaves it out of the overall")
    advice: Text = Field(..., description="the improvement plan's next step when this criterion is weak")


class Rubric(_Schema):
    """A scoring rubric: the criteria that count, their weights, the pass mark and the advice."""

    name: Name = Field(..., description="the rubric's id; the file is `rubrics/<name>.yml`")
    title: Text = Field(..., description="one line saying what this rubric assesses; the report shows it")
    pass_mark: conint(strict=True, ge=0, le=100) = Field(70, description="overall score at or above which a session "
                                                                         "passes")
    outcome_weight: confloat(ge=0, le=1) = Field(0.2, description="share of the overall for where the session ended "
                                                                  "(deal, price, limits kept, customer kept); the "
                                                                  "rest is the weighted criteria")
    min_turns: conint(strict=True, ge=1, le=20) = Field(3, description="a session with fewer trainee turns about "
                                                                       "the negotiation than this (and no offer, deal "
                                                                       "or walk-out) is reported as not assessed "
                                                                       "instead of scored")
    criteria: List[RubricCriterion] = Field(..., min_items=1, description="the criteria in report order; each id at "
                                                                          "most once; a criterion left out is not "
                                                                          "shown or counted")
    caps: Dict[str, conint(strict=True, ge=0, le=100)] = Field(
        default_factory=dict, description="the most the overall can be after a session-defining mistake, by kind of "
                                          "moment (e.g. `below_floor: 20`, `caved: 25`): a coach fails a deal given "
                                          "away below the floor however polite the rest was")
    better_lines: Dict[str, Text] = Field(default_factory=dict, description="a better line for each kind of costly "
                                                                            "moment (" + ", ".join(MOMENTS) + "); "
                                                                            "placeholders: {name} {product} {unit} "
                                                                            "{floor} {list_price} {offer} "
                                                                            "{step_offer} {counter} {extra} {need} "
                                                                            "{reason_hint}")

    @root_validator(skip_on_failure=True)
    def _coherent(cls, values: dict) -> dict:
        ids = [c.id for c in values["criteria"]]
        twice = sorted({i.value for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"criteria: {', '.join(twice)} listed twice; list each criterion once")
        if not any(c.weight > 0 for c in values["criteria"]):
            raise ValueError("criteria: every weight is 0, so nothing would count towards the overall")
        unknown = sorted((set(values["better_lines"]) | set(values["caps"])) - set(MOMENTS))
        if unknown:
            raise ValueError(f"better_lines/caps: {', '.join(unknown)} is not a kind of moment "
                             f"(kinds: {', '.join(MOMENTS)})")
        return values

    # -- derived ------------------------------------------------------------------------------------
    @property
    def labels(self) -> Dict[str, str]:
        return {c.id.value: c.label for c in self.criteria}

    @property
    def weights(self) -> Dict[str, float]:
        return {c.id.value: c.weight for c in self.criteria}

    def advice(self, criterion: str) -> str:
        return next((c.advice for c in self.criteria if c.id.value == criterion), "")


class RubricError(ValueError):
    """A rubric file that cannot be used, with the file and what is wrong in plain words."""


def rubric_path(name: str, directory: Path | None = None) -> Path:
    return (directory or RUBRIC_DIR) / f"{name}.yml"


def parse_rubric(text: str, file: str) -> Rubric:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RubricError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{file}: a rubric is a mapping of keys (name, title, criteria, ...)")
    try:
        return Rubric.parse_obj(data)
    except ValueError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'] if p != '__root__') or 'rubric'}: {e['msg']}"
                             for e in exc.errors()) if hasattr(exc, "errors") else str(exc)
        raise RubricError(f"{file}: {problems}") from None


@lru_cache(maxsize=32)
def _load(path: str, mtime: float) -> Rubric:
    rubric = parse_rubric(Path(path).read_text(encoding="utf-8"), path)
    if Path(path).stem != rubric.name:
        raise RubricError(f"{path}: name is '{rubric.name}' but the file is '{Path(path).stem}.yml'; they must match")
    return rubric


def load_rubric(name: str | None = None, directory: Path | None = None) -> Rubric:
    """The rubric called `name` (default: 'default'); RubricError when it is missing or invalid."""
    name = (name or DEFAULT_RUBRIC).strip()
    path = rubric_path(name, directory)
    if not path.is_file():
        known = ", ".join(available(directory)) or "none"
        raise RubricError(f"there is no rubric called '{name}' (rubrics: {known})")
    return _load(str(path), path.stat().st_mtime)


def available(directory: Path | None = None) -> List[str]:
    folder = directory or RUBRIC_DIR
    return sorted(p.stem for p in folder.glob("*.yml")) if folder.is_dir() else []


def check_all(directory: Path | None = None) -> List[str]:
    """Every problem in every rubric file, one sentence each (empty: all good)."""
    problems = []
    for name in available(directory):
        try:
            load_rubric(name, directory)
        except RubricError as exc:
            problems.append(str(exc))
    if DEFAULT_RUBRIC not in available(directory):
        problems.append(f"{rubric_path(DEFAULT_RUBRIC, directory)}: missing; every persona without a `rubric` uses it")
    return problems
