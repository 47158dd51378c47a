"""The rubric in plain words: what each criterion rewards and how its 0-100 score is computed.

`criteria()` is the one place the cockpit and the trainee page read the criteria from.  Today the
names come from parley.scoring.CRITERIA and the explanations from parley/data/rubric_plain.yml
(written from scoring.criteria and scoring.overall); when the rubric moves to rubrics/default.yml with
its loader (parley/rubrics.py), point this function at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List

import yaml

PLAIN = Path(__file__).resolve().parent.parent / "data" / "rubric_plain.yml"


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    rewards: str
    computed: str


@lru_cache(maxsize=1)
def criteria() -> List[Criterion]:
    from parley.scoring import CRITERIA

    plain = yaml.safe_load(PLAIN.read_text(encoding="utf-8"))
    return [Criterion(cid, name, plain["criteria"].get(cid, {}).get("rewards", ""),
                      plain["criteria"].get(cid, {}).get("computed", "")) for cid, name in CRITERIA.items()]


@lru_cache(maxsize=1)
def overall_rule() -> str:
    return str(yaml.safe_load(PLAIN.read_text(encoding="utf-8"))["overall"])


def names() -> dict:
    return {c.id: c.name for c in criteria()}
