"""The labelled data the move detector learns from, all of it in the repository.

* `parley/data/moves/train.yml`: hand-written trainee turns, every move labelled;
* `parley/data/moves/extra/*.yml`: more hand-written trainee turns in other styles (chat shorthand,
  British spelling, multi-move turns), same format; the held-out files among them
  (`extra/heldout_unseen.yml`, the unseen-style check, and `extra/heldout_fresh.yml`, the fresh
  held-out set nobody tuned on) are **never** read here: only bench/bench_evaluator.py measures on
  them (`MEASURING_ONLY`);
* `parley/data/moves/casino/casino_strategies.jsonl`: CaSiNo negotiation utterances (CC BY 4.0,
  see NOTICE), mapped to Parley's taxonomy by one rule (`casino_moves`): CaSiNo's
  `showing-empathy` is Parley's `empathy`, every other utterance is "not empathy", and every other
  move is *unknown* for a CaSiNo row (the classifier's loss ignores it), because CaSiNo's strategy
  labels say nothing about greetings, offers or questions in Parley's sense.

Each example carries a group (its conversation, the id up to its last '-'; a trainee turn is its
own group) so cross-validation never splits a conversation between training and testing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

from parley.taxonomy import REAL_MOVES

DATA_DIR = Path(__file__).resolve().parent / "data" / "moves"
TRAIN_FILE = DATA_DIR / "train.yml"
HELDOUT_FILE = DATA_DIR / "heldout.yml"
EXTRA_DIR = DATA_DIR / "extra"
UNSEEN_FILE = EXTRA_DIR / "heldout_unseen.yml"  # written in another style; measured, never trained on
FRESH_FILE = EXTRA_DIR / "heldout_fresh.yml"  # a second, fresh held-out set; measured, never trained on
# a third, labelled from DESIGN.md alone (not the README's conventions); measured, never trained on
DESIGN_ONLY_FILE = EXTRA_DIR / "heldout_design_only.yml"
# files under extra/ that only the bench reads: never training data, never in the detector's cache key
MEASURING_ONLY = (UNSEEN_FILE, FRESH_FILE, DESIGN_ONLY_FILE)
CASINO_FILE = DATA_DIR / "casino" / "casino_strategies.jsonl"
CASINO_EMPATHY = "showing-empathy"


@dataclass(frozen=True)
class Labelled:
    text: str
    moves: Tuple[str, ...]
    # the moves this example says anything about (None: all of them; a CaSiNo row knows only empathy)
    known: Tuple[str, ...] | None = None
    group: str = ""  # the conversation it comes from, for cross-validation
    source: str = "trainee"  # "trainee" or "casino"

    def cats(self) -> Dict[str, float]:
        """The classifier's targets: 1/0 for each known move; unknown moves are left out (masked)."""
        return {m: float(m in self.moves) for m in (self.known if self.known is not None else REAL_MOVES)}


def load_examples(path: Path = TRAIN_FILE) -> List[Labelled]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    name = Path(path).stem
    return [Labelled(str(e["text"]), tuple(e["moves"]), group=str(e.get("id") or f"{name}:{n}"))
            for n, e in enumerate(data.get("examples", []))]


def extra_files() -> List[Path]:
    """The extra trainee-turn files that are training data (every one except the measuring-only files)."""
    if not EXTRA_DIR.is_dir():
        return []
    held_out = {p.name for p in MEASURING_ONLY}
    return sorted(p for p in EXTRA_DIR.glob("*.yml") if p.name not in held_out)


def trainee_examples() -> List[Labelled]:
    """train.yml and the extra files: hand-written trainee turns, every move labelled."""
    examples = load_examples(TRAIN_FILE)
    for path in extra_files():
        try:
            examples += load_examples(path)
        except (yaml.YAMLError, KeyError, TypeError) as error:  # a file being written right now
            raise ValueError(f"{path}: {error}") from error
    return examples


def casino_moves(strategies: Sequence[str]) -> Tuple[str, ...]:
    """The documented mapping of a CaSiNo row to Parley's moves (see the module docstring)."""
    return ("empathy",) if CASINO_EMPATHY in strategies else ()


def casino_examples(path: Path = CASINO_FILE) -> List[Labelled]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Labelled(r["text"], casino_moves(r["strategies"]), known=("empathy",),
                     group=r["id"].rsplit("-", 1)[0], source="casino") for r in rows]


def training_examples() -> List[Labelled]:
    """Everything the shipped detector is trained on."""
    return trainee_examples() + casino_examples()


def data_files() -> List[Path]:
    """The files the shipped detector depends on (its cache key)."""
    return [TRAIN_FILE, *extra_files(), *([CASINO_FILE] if CASINO_FILE.exists() else [])]
