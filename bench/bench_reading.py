"""What the typed wording of a turn costs the live turn: the detector with and without its question records
(parley/wording.py), and the persona's reading (parley/reading.py) over them.

    .venv/bin/python bench/bench_reading.py [--turns N]

Prints, in one run on one core: the detector's live turn (p50 / p95 per turn) with the question records
built at the output of its passes, against the anchor of the same detector with the records left out (the
hot path before they existed); and the persona's reading of a turn (`read`, every persona) p50 / p95.
The issue's budget for a live turn is 10 ms p95 (docs/evaluator.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parley import wording  # noqa: E402
from parley.move_data import HELDOUT_FILE, load_examples  # noqa: E402
from parley.moves import get_detector  # noqa: E402
from parley.personas import load_personas  # noqa: E402
from parley.reading import read  # noqa: E402


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def timed(step: Callable[[str], object], texts: Sequence[str]) -> Dict[str, float]:
    """Milliseconds per call of `step` over the texts (after a warm-up): p50, p95, max."""
    for text in texts[:50]:
        step(text)
    per: List[float] = []
    for text in texts:
        started = time.perf_counter()
        step(text)
        per.append((time.perf_counter() - started) * 1000)
    per.sort()
    return {"p50": statistics.median(per), "p95": per[int(0.95 * len(per)) - 1], "max": per[-1]}


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=1000, help="live turns timed per figure")
    args = parser.parse_args(list(argv) if argv is not None else None)
    _one_core()
    detector, personas = get_detector(), list(load_personas().values())
    texts = [e.text for e in load_examples(HELDOUT_FILE)]
    texts = (texts * (args.turns // max(len(texts), 1) + 1))[: args.turns]

    def fresh(text: str) -> None:  # the caches of parley/wording.py would hide the work on a repeated text
        wording.words_of.cache_clear()
        wording.current.cache_clear()
        wording.content_words.cache_clear()
        detector.detect(text)

    with_records = timed(fresh, texts)
    built = wording.questions
    wording.questions = lambda *_a, **_k: None  # the anchor: the same detector, no records
    try:
        anchor = timed(fresh, texts)
    finally:
        wording.questions = built
    analyses = {t: detector.detect(t) for t in dict.fromkeys(texts)}

    def reading(text: str) -> None:
        wording.words_of.cache_clear()
        wording.current.cache_clear()
        wording.content_words.cache_clear()
        for persona in personas:
            read(persona, analyses[text])

    persona_reading = timed(reading, texts)
    print(f"live turn over {len(texts)} turns of {HELDOUT_FILE.name}, one core (ms)")
    for name, figures in (("detector with question records", with_records),
                          ("anchor: the same detector without them", anchor),
                          (f"persona's reading, all {len(personas)} personas", persona_reading)):
        print(f"  {name:<42} p50 {figures['p50']:6.3f}  p95 {figures['p95']:6.3f}  max {figures['max']:7.3f}")
    print(f"  records add {with_records['p95'] - anchor['p95']:+.3f} ms at p95 "
          f"({with_records['p95'] / anchor['p95']:.2f} of the anchor); live budget 10 ms p95")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
