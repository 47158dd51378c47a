"""Typed signals of a trainee turn for the persona engine and the scoring: agreement, a hedge, a
retraction, "my best", pleading, a next step, the terms named.

The engine and the scoring never read the trainee's raw text; they ask the analysis
(`Analysis.has(Signal.agrees)`).
The phrases are data: parley/data/moves/signals.yml, one list of patterns (or of plain phrases) per signal;
a signal marked `alone` is carried only by a turn that holds nothing else ("hmm 🤔").
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Tuple

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
    non_apology = "non_apology"  # "I'm sorry you feel that way": sorry for the reaction, not for anything done
    thinking = "thinking"  # "hmm 🤔", "let me think...": nothing but a thinking noise


def phrases_pattern(items: Iterable[str]) -> str:
    """A regular expression for any of the phrases, as whole words, any case (an emoji or "..." as itself)."""
    parts = sorted({str(p).lower() for p in items}, key=len, reverse=True)
    return "|".join(r"(?<!\w)" + re.escape(p) + (r"(?!\w)" if p[-1:].isalnum() else "") for p in parts)


@lru_cache(maxsize=1)
def _specs() -> Dict[str, dict]:
    data = yaml.safe_load(SIGNALS_FILE.read_text(encoding="utf-8"))["signals"]
    missing = {s.value for s in Signal} - set(data)
    if missing:
        raise ValueError(f"{SIGNALS_FILE}: no patterns for {sorted(missing)}")
    return {name: spec for name, spec in data.items() if name in {s.value for s in Signal}}


@lru_cache(maxsize=1)
def patterns() -> Dict[str, re.Pattern]:
    """One pattern per signal: its regular expressions, or its plain phrases as whole words."""
    return {name: re.compile("|".join([f"(?:{p})" for p in spec.get("patterns") or ()] +
                                      ([phrases_pattern(spec["phrases"])] if spec.get("phrases") else [])), re.I)
            for name, spec in _specs().items()}


@lru_cache(maxsize=4096)
def read(text: str) -> FrozenSet[str]:
    """The signals a turn carries. Plain phrases read a curly apostrophe as a straight one; a signal marked
    `alone` needs a turn of nothing but its phrases (and punctuation)."""
    text = text or ""
    plain = text.replace("\u2019", "'")
    found = set()
    for name, pattern in patterns().items():
        spec = _specs()[name]
        said = plain if spec.get("phrases") else text
        if pattern.search(said) and not (spec.get("alone") and re.search(r"\w", pattern.sub(" ", said))):
            found.add(name)
    return frozenset(found)


_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d{1,2})?(?![\d.])")


def numbers(text: str) -> Tuple[float, ...]:
    """Every plain number said in the turn ("done. 27, 3 yrs" -> 27, 3), whatever its role."""
    return tuple(float(n) for n in _NUMBER.findall(text or ""))
