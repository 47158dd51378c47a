"""How far the evaluator can be trusted: per-move precision / recall / F1 and speed.

    make bench-evaluator            (or: .venv/bin/python bench/bench_evaluator.py [--out FILE])

Measures the move detector of parley/moves.py on
  (a) parley/data/moves/heldout.yml: the project's own held-out turns, never trained on;
  (b) ../shared/eval/*.dev.jsonl when that folder exists: real human-labelled utterances
      (AnnoMI therapist questions, CaSiNo showing-empathy and elicit-pref), never trained on;
and the speed of `parley detect` (batch turns/s on one core, via nlp.pipe) and of a single live
turn (p50 / p95 ms).  Prints tables and writes every figure to results/evaluator.json.

Turn-level mapping for AnnoMI (a label covers the whole, often multi-sentence, utterance):
  the detector labels each sentence; the turn is labelled by the LAST question asked in it (the
  one the listener answers): `open_question` if that is an open question, `closed_question` if it
  is a closed one, `no_question` if the turn asks nothing.  A `summary` said as a question ("so
  you feel it came out of nowhere?") is a check the listener answers yes or no, so it counts as a
  closed question.  Greetings ("how are you?") and yes/no checks that close a deal ("does that
  work for you?") are not questions in Parley's taxonomy and count as `no_question`.
CaSiNo: `showing-empathy` is compared with `empathy`; `elicit-pref` (asking what the other side
  wants) with `open_question`, and, as a looser view, with "any question".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parley.moves import HELDOUT_FILE, TRAIN_FILE, Analysis, Detector, get_detector, load_examples  # noqa: E402
from parley.taxonomy import REAL_MOVES  # noqa: E402

EVAL_DIR = Path(os.environ.get("PARLEY_EVAL_DIR", ROOT.parent / "shared" / "eval"))


def _one_core() -> None:
    """Measure on one core: numpy / BLAS must not spread the work over the machine."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass


# -- metrics --------------------------------------------------------------------------------------
def prf(gold: Sequence[Set[str]], pred: Sequence[Set[str]], label: str) -> Dict[str, float]:
    tp = sum(label in g and label in p for g, p in zip(gold, pred))
    fp = sum(label not in g and label in p for g, p in zip(gold, pred))
    fn = sum(label in g and label not in p for g, p in zip(gold, pred))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "support": tp + fn, "predicted": tp + fp}


def table(title: str, rows: Dict[str, Dict[str, float]], extra: Dict[str, float] | None = None) -> str:
    lines = [title, f"  {'move':<22}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}"]
    for name, r in rows.items():
        lines.append(f"  {name:<22}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}"
                     f"{r['support']:>7}{r['predicted']:>7}")
    for name, value in (extra or {}).items():
        lines.append(f"  {name:<22}{value:>21.3f}")
    return "\n".join(lines)


# -- (a) the project's held-out turns -------------------------------------------------------------
def bench_heldout(detector: Detector) -> dict:
    examples = load_examples(HELDOUT_FILE)
    gold = [set(e.moves) for e in examples]
    pred = [set(a.moves) for a in detector.detect_many([e.text for e in examples])]
    rows = {m: prf(gold, pred, m) for m in (*REAL_MOVES, "other")}
    macro = sum(rows[m]["f1"] for m in REAL_MOVES) / len(REAL_MOVES)
    exact = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    return {"file": str(HELDOUT_FILE.relative_to(ROOT)), "turns": len(examples), "per_move": rows,
            "macro_f1_13": round(macro, 3), "exact_match": round(exact, 3)}


# -- (b) real human-labelled data -----------------------------------------------------------------
def read_jsonl(path: Path) -> List[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def question_label(analysis: Analysis) -> str:
    """One AnnoMI label for a whole turn (see the module docstring): the last question asked decides."""
    asked = [d for d in analysis.detections if d.move in {"open_question", "closed_question"}
             or d.move == "summary" and "?" in d.quote]
    if not asked:
        return "no_question"
    last = max(asked, key=lambda d: d.start)
    return "open_question" if last.move == "open_question" else "closed_question"


def bench_questions(detector: Detector, rows: List[dict]) -> dict:
    gold = [{r["label"]} for r in rows]
    pred = [{question_label(a)} for a in detector.detect_many([r["text"] for r in rows])]
    per = {m: prf(gold, pred, m) for m in ("open_question", "closed_question", "no_question")}
    return {"turns": len(rows), "mapping": "the last question asked in the turn decides: open / closed (a summary "
                                           "said as a question counts as closed) / no_question",
            "per_move": per}


def bench_empathy(detector: Detector, rows: List[dict]) -> dict:
    gold = [{r["label"]} for r in rows]
    pred = [{"empathy" if "empathy" in a.moves else "no_empathy"}
            for a in detector.detect_many([r["text"] for r in rows])]
    return {"turns": len(rows), "mapping": "CaSiNo showing-empathy = empathy",
            "per_move": {"empathy": prf(gold, pred, "empathy")}}


def bench_strategies(detector: Detector, rows: List[dict]) -> dict:
    gold = [set(r["label"]) for r in rows]
    analyses = list(detector.detect_many([r["text"] for r in rows]))
    as_open = [{"elicit-pref"} if "open_question" in a.moves else set() for a in analyses]
    as_any = [{"elicit-pref"} if {"open_question", "closed_question"} & set(a.moves) else set() for a in analyses]
    as_empathy = [{"showing-empathy"} if "empathy" in a.moves else set() for a in analyses]
    return {"turns": len(rows), "per_move": {
        "elicit-pref~open_q": prf(gold, as_open, "elicit-pref"),
        "elicit-pref~any_q": prf(gold, as_any, "elicit-pref"),
        "showing-empathy~emp": prf(gold, as_empathy, "showing-empathy"),
    }}


EVAL_SETS: Tuple[Tuple[str, str, Callable[[Detector, List[dict]], dict]], ...] = (
    ("annomi_questions", "questions.dev.jsonl", bench_questions),
    ("casino_empathy", "empathy.dev.jsonl", bench_empathy),
    ("casino_strategies", "casino_strategies.dev.jsonl", bench_strategies),
)


# -- speed ----------------------------------------------------------------------------------------
def bench_speed(detector: Detector, texts: Sequence[str]) -> dict:
    batch = list(texts)
    while len(batch) < 4000:
        batch += list(texts)
    list(detector.detect_many(batch[:200]))  # warm up
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for _analysis in detector.detect_many(batch):
            pass
        runs.append(time.perf_counter() - started)
    per_turn = []
    for text in (texts * 3)[:1000]:
        started = time.perf_counter()
        detector.detect(text)
        per_turn.append((time.perf_counter() - started) * 1000)
    per_turn.sort()
    return {"batch_turns": len(batch), "batch_turns_per_s": round(len(batch) / min(runs)),
            "live_p50_ms": round(statistics.median(per_turn), 3),
            "live_p95_ms": round(per_turn[int(0.95 * len(per_turn)) - 1], 3),
            "live_max_ms": round(per_turn[-1], 3)}


def bench_training() -> float:
    started = time.perf_counter()
    Detector.train(load_examples(TRAIN_FILE))
    return round(time.perf_counter() - started, 1)


TARGETS = (  # (name, where in the results, operator, target)
    ("heldout macro-F1 (13 moves)", ("heldout", "macro_f1_13"), ">=", 0.85),
    ("AnnoMI open_question F1", ("eval", "annomi_questions", "per_move", "open_question", "f1"), ">=", 0.82),
    ("AnnoMI closed_question F1", ("eval", "annomi_questions", "per_move", "closed_question", "f1"), ">=", 0.75),
    ("CaSiNo empathy F1", ("eval", "casino_empathy", "per_move", "empathy", "f1"), ">=", 0.60),
    ("batch turns/s (one core)", ("speed", "batch_turns_per_s"), ">=", 1000),
    ("live turn p95 ms", ("speed", "live_p95_ms"), "<", 10),
)


def targets(results: dict) -> dict:
    found = {}
    for name, path, op, target in TARGETS:
        value = results
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        met = None if value is None else (value >= target if op == ">=" else value < target)
        found[name] = {"value": value, "op": op, "target": target, "met": met}
    return found


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "results" / "evaluator.json"))
    parser.add_argument("--train-time", action="store_true", help="also time a full training run")
    args = parser.parse_args(list(argv) if argv is not None else None)
    _one_core()
    detector = get_detector()
    results: dict = {"machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
                                 "cores_used": 1}}

    held = bench_heldout(detector)
    results["heldout"] = held
    print(table(f"(a) {held['file']}: {held['turns']} held-out turns", held["per_move"],
                {"macro-F1 (13 moves)": held["macro_f1_13"], "exact match": held["exact_match"]}))
    print()

    results["eval"] = {}
    if EVAL_DIR.is_dir():
        for name, filename, run in EVAL_SETS:
            path = EVAL_DIR / filename
            if not path.exists():
                print(f"(b) {filename}: not found in {EVAL_DIR}, skipped\n")
                continue
            figures = run(detector, read_jsonl(path))
            figures["file"] = filename
            results["eval"][name] = figures
            print(table(f"(b) {name} ({filename}, {figures['turns']} turns)", figures["per_move"]))
            print()
    else:
        print(f"(b) {EVAL_DIR} not found: real-data evaluation skipped\n")

    speed = bench_speed(detector, [e.text for e in load_examples(HELDOUT_FILE)])
    if args.train_time:
        speed["training_s"] = bench_training()
    results["speed"] = speed
    print("Speed (one core)")
    print(f"  batch (parley detect, nlp.pipe): {speed['batch_turns_per_s']:>7} turns/s "
          f"over {speed['batch_turns']} turns")
    print(f"  live turn: p50 {speed['live_p50_ms']:.2f} ms, p95 {speed['live_p95_ms']:.2f} ms, "
          f"max {speed['live_max_ms']:.2f} ms")
    if "training_s" in speed:
        print(f"  training: {speed['training_s']} s")

    results["targets"] = targets(results)
    print("\nTargets")
    for name, t in results["targets"].items():
        value = "n/a" if t["value"] is None else f"{t['value']:g}"
        print(f"  {name:<42} {value:>8}  (target {t['op']} {t['target']:g})  "
              f"{'met' if t['met'] else 'NOT met' if t['met'] is False else 'skipped'}")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
