"""The phrase tables of the move detector: data files, one per move, in parley/data/moves/phrases/.

Each file lists a move's phrases once, each with its flags (`weak`: the words often, but not
always, carry the move, so they count only with some support from the classifier; `ours`: the words
speak of the company's side, so "your" just before them makes them the customer's: "our energy bills
doubled" explains a price, "I know your energy bills doubled" does not).  The phrase
mini-syntax (matched on lemmas) is described at the top of every file; parley/moves.py compiles
the phrases into spaCy matchers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

import yaml

from parley.taxonomy import REAL_MOVES

PHRASES_DIR = Path(__file__).resolve().parent / "data" / "moves" / "phrases"


@dataclass(frozen=True)
class Phrase:
    move: str
    text: str  # mini-syntax, see the files
    weak: bool = False
    ours: bool = False  # the company's side: not when "your" comes just before


@lru_cache(maxsize=1)
def load_phrases(folder: Path = PHRASES_DIR) -> Dict[str, Tuple[Phrase, ...]]:
    """Every move's phrases, in file order; a phrase listed twice for one move is an error."""
    found: Dict[str, Tuple[Phrase, ...]] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        move = data.get("move")
        if move not in REAL_MOVES:
            raise ValueError(f"{path}: 'move' must be one of {', '.join(REAL_MOVES)}, not {move!r}")
        phrases = tuple(Phrase(move, str(p["phrase"]), bool(p.get("weak", False)), bool(p.get("ours", False)))
                        for p in data.get("phrases", []))
        seen = [p.text for p in phrases]
        twice = sorted({t for t in seen if seen.count(t) > 1})
        if twice:
            raise ValueError(f"{path}: listed more than once: {twice}")
        found[move] = found.get(move, ()) + phrases
    return found


def files() -> Tuple[Path, ...]:
    return tuple(sorted(PHRASES_DIR.glob("*.yml")))
