"""Typed signals of a trainee turn for the persona engine and the scoring: agreement, a hedge, a
retraction, "my best", pleading, a next step, the terms named.

The engine and the scoring never read the trainee's raw text; they ask the analysis
(`Analysis.has(Signal.agrees)`).
The phrases are data: parley/data/moves/signals.yml, one list of patterns per signal.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Tuple

import yaml

SIGNALS_FILE = Path(__file__).resolve().parent / "data" / "moves" / "signals.yml"


class Signal(str, Enum):
    split_difference = "split_difference"  # "let's meet in the middle"
    agrees = "agrees"  # "yes, we can do that" to the customer's proposal
    hedged = "hedged"  # "I'll check whether we can"
    steps_back = "steps_back"  # "I need to go back to $25"
    best_claim = "best_claim"  # "that's the best I can do"
    retracts = "retracts"  # "actually no, we can't after all"
    pleads = "pleads"  # "please don't leave", "whatever it takes"
    next_step = "next_step"  # "I'll email the contract today", "from your next order"
    names_terms = "names_terms"  # "the new terms", "as agreed"


@lru_cache(maxsize=1)
def patterns() -> Dict[str, re.Pattern]:
    data = yaml.safe_load(SIGNALS_FILE.read_text(encoding="utf-8"))["signals"]
    missing = {s.value for s in Signal} - set(data)
    if missing:
        raise ValueError(f"{SIGNALS_FILE}: no patterns for {sorted(missing)}")
    return {name: re.compile("|".join(f"(?:{p})" for p in spec["patterns"]), re.I) for name, spec in data.items()
            if name in {s.value for s in Signal}}


@lru_cache(maxsize=4096)
def read(text: str) -> FrozenSet[str]:
    """The signals a turn carries."""
    return frozenset(name for name, pattern in patterns().items() if pattern.search(text or ""))


_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d{1,2})?(?![\d.])")


def numbers(text: str) -> Tuple[float, ...]:
    """Every plain number said in the turn ("done. 27, 3 yrs" -> 27, 3), whatever its role."""
    return tuple(float(n) for n in _NUMBER.findall(text or ""))
