"""AnnoMI questions in two halves, and the training split's question confusions out of fold.

    .venv/bin/python bench/bench_annomi.py                  (both halves' figures, shipped detector)
    .venv/bin/python bench/bench_annomi.py --kinds           (half A's disagreements counted by kind)
    .venv/bin/python bench/bench_annomi.py --errors          (half A's disagreements, turn by turn: study these)
    .venv/bin/python bench/bench_annomi.py --train-folds 2   (+ the training split's open/closed out of fold)
    .venv/bin/python bench/bench_annomi.py --train-folds 2 --train-errors   (+ those out-of-fold question errors)

Why two halves.  AnnoMI dev (../shared/eval/questions.dev.jsonl; never copied into the repository, never
trained on) is allowed for choosing question rules, so its figure is a dev figure: the tracker's unseen half
of AnnoMI read 0.07 lower for open questions last time.  To keep a rule honest, the dev file is split by
conversation (the `id` up to its last '-'), deterministically: the conversation ids in numeric order, even
positions are half A, odd positions half B.  Rules are chosen by reading half A's disagreements only; a change
is kept only if half B, which nobody reads turn by turn (this script refuses to print its turns), improves or
holds.  The turn label follows bench_evaluator.question_label: the last question asked in the turn decides.

The training split's out-of-fold readings (train.yml + extra/*.yml, trainee turns only; never the held-out
files) come from the cached fold detectors (parley/crossval.py): the question rules are not in a fold
detector's cache key, so a rule edit re-reads, it does not retrain.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_evaluator import EVAL_DIR, question_label, read_jsonl  # noqa: E402

from parley.crossval import prf  # noqa: E402
from parley.moves import Analysis, Detector, get_detector  # noqa: E402

LABELS = ("open_question", "closed_question", "no_question")
SHORT = {"open_question": "open", "closed_question": "closed", "no_question": "none"}


def conversation(row_id: str) -> str:
    """The conversation a row belongs to: its id up to the last '-' ("annomi-12-40" -> "annomi-12")."""
    return row_id.rsplit("-", 1)[0]


def _natural(name: str) -> Tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def halves(rows: Sequence[dict]) -> Tuple[List[dict], List[dict]]:
    """Half A (study) and half B (measure only), by conversation: the conversation ids in natural order, even
    positions A, odd positions B; every row of a conversation falls in one half."""
    ids = sorted({conversation(r["id"]) for r in rows}, key=_natural)
    in_a = {c for n, c in enumerate(ids) if n % 2 == 0}
    return [r for r in rows if conversation(r["id"]) in in_a], [r for r in rows if conversation(r["id"]) not in in_a]


def figures(labels: Sequence[str], predicted: Sequence[str]) -> Dict[str, dict]:
    gold = [{g} for g in labels]
    pred = [{p} for p in predicted]
    return {label: prf(gold, pred, label) for label in LABELS}


def read(detector: Detector, rows: Sequence[dict]) -> Tuple[List[Analysis], List[str]]:
    analyses = list(detector.detect_many([r["text"] for r in rows]))
    return analyses, [question_label(a) for a in analyses]


def measure(detector: Detector, rows: Sequence[dict]) -> dict:
    """Per-label P / R / F1 of one half and its gold -> read pair counts (aggregates only)."""
    _analyses, predicted = read(detector, rows)
    labels = [r["label"] for r in rows]
    pairs = Counter((g, p) for g, p in zip(labels, predicted) if g != p)
    return {"turns": len(rows), "per_label": figures(labels, predicted),
            "pairs": {f"{SHORT[g]}->{SHORT[p]}": n for (g, p), n in pairs.most_common()}}


def print_half(name: str, result: dict) -> None:
    per = result["per_label"]
    print(f"  half {name} ({result['turns']} turns): " + "; ".join(
        f"{SHORT[label]} P {per[label]['precision']:.3f} R {per[label]['recall']:.3f} F1 {per[label]['f1']:.3f} "
        f"({per[label]['support']} labelled, {per[label]['predicted']} read)" for label in LABELS[:2]))
    print("    labelled -> read: " + ", ".join(f"{k} {n}" for k, n in result["pairs"].items()))


def _sentences(analysis: Analysis) -> str:
    """The question detections of a turn, in order, for reading an error."""
    found = [f"[{d.move.replace('_question', '')}: {d.quote!r}]" for d in analysis.detections
             if d.move in {"open_question", "closed_question", "summary", "close", "pressure", "greeting"}]
    return " ".join(found) or "[nothing]"


def print_errors(detector: Detector, rows: Sequence[dict], limit: int) -> None:
    """Half A's disagreements grouped by gold -> read (never call this on half B)."""
    analyses, predicted = read(detector, rows)
    groups: Dict[Tuple[str, str], List[int]] = {}
    for n, (row, p) in enumerate(zip(rows, predicted)):
        if row["label"] != p:
            groups.setdefault((row["label"], p), []).append(n)
    for (g, p), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n=== labelled {SHORT[g]} -> read {SHORT[p]}: {len(members)}")
        for n in members[:limit]:
            prev = (rows[n].get("prev_text") or "")[-90:]
            print(f"- {rows[n]['id']}: {rows[n]['text']}\n    read: {_sentences(analyses[n])}\n    prev: ...{prev}")


# -- kinds of disagreement (half A) ---------------------------------------------------------------------------------
_AUX_OPENING = re.compile(r"^\W*(?:(?:so|and|okay|ok|well|now|um|uh|then|but|yeah|oh|you know|like)\W+)*"
                          r"(?:do|does|did|is|are|was|were|have|has|had|can|could|would|will|shall|should|may|might|"
                          r"am|don't|doesn't|didn't|isn't|aren't|haven't|won't|wouldn't)\b", re.I)
_FIGURE = re.compile(r"\bhow (?:many|much|long|often|far|old)\b|\bwhat (?:kind|sort|type|number)\b", re.I)
_TAG = re.compile(r"(?:,|\s)\s*(?:right|okay|ok|yeah|isn't it|aren't you|don't you|didn't you|wasn't it|no|yes)"
                  r"\s*\?\s*$", re.I)


def kind_of(gold: str, read_as: str, analysis: Analysis) -> str:
    """What kind of disagreement a turn is (docs/evaluator.md counts these on half A before fixing any)."""
    last = max((d for d in analysis.detections if d.move in {"open_question", "closed_question", "summary"}
                and (d.move != "summary" or "?" in d.quote)), key=lambda d: d.start, default=None)
    closes = [d for d in analysis.detections if d.move == "close" and "?" in d.quote]
    quote = last.quote if last else ""
    if read_as == "closed_question" and last is not None:
        if last.move == "summary":
            return "a summary said as a question (Parley: summary, counted closed)"
        if _TAG.search(quote):
            return "a tag or check: '..., right?', 'okay?'"
        if gold == "open_question" and _AUX_OPENING.search(quote):
            return "a yes/no form AnnoMI calls open"
        if gold == "open_question" and _FIGURE.search(quote):
            return "a figure or a kind ('how many / often', 'what kind of') AnnoMI calls open"
        if not _AUX_OPENING.search(quote) and not re.match(r"^\W*\w*\W*(?:what|how|why|who|where|when|which)\b",
                                                            quote, re.I):
            return "a statement said as a question (Parley: closed)"
        return "another closed form"
    if read_as == "no_question":
        if closes:
            return "a yes/no question read as a close (the classifier)"
        if any(d.move == "greeting" for d in analysis.detections) and "?" in analysis.text:
            return "a greeting question ('how are you?')"
        if "?" not in analysis.text:
            return "no question mark"
        if len(re.findall(r"\w+", analysis.text)) <= 3:
            return "a continuer or a check alone ('Yeah?', 'Okay?')"
        return "another question not found"
    if read_as == "open_question":
        if gold == "closed_question" and _FIGURE.search(quote):
            return "a figure or a kind read open"
        return "an open form (wh / tell me) AnnoMI labels " + SHORT[gold]
    return "other"


def print_kinds(detector: Detector, rows: Sequence[dict]) -> None:
    """Half A's disagreements counted by kind (never call this on half B)."""
    analyses, predicted = read(detector, rows)
    counts: Counter = Counter()
    for row, analysis, p in zip(rows, analyses, predicted):
        if row["label"] != p:
            counts[(SHORT[row["label"]], SHORT[p], kind_of(row["label"], p, analysis))] += 1
    print("\nhalf A's disagreements by kind (labelled -> read: kind)")
    for (g, p, k), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[1])):
        print(f"  {g:>6} -> {p:<6} {n:>3}  {k}")


# -- the training split out of fold ------------------------------------------------------------------
def train_oof(max_folds: int, k: int = 5) -> Tuple[List[str], List[Set[str]], List[Set[str]]]:
    """Texts, labelled moves and out-of-fold moves of the training split's trainee turns (cached fold detectors)."""
    from parley import crossval
    from parley.move_data import training_examples

    examples = training_examples()
    fold_list = crossval.run(examples, k, max_folds=max_folds)
    texts: List[str] = []
    gold: List[Set[str]] = []
    pred: List[Set[str]] = []
    for fold in fold_list:
        keep = [j for j, n in enumerate(fold.test) if examples[fold.test[j]].source == "trainee"]
        predicted = crossval.predict(fold, [fold.readings[j] for j in keep])
        for j, p in zip(keep, predicted):
            e = examples[fold.test[j]]
            texts.append(e.text)
            gold.append(set(e.moves))
            pred.append(p)
    return texts, gold, pred


def question_confusions(gold: Sequence[Set[str]], pred: Sequence[Set[str]]) -> Dict[str, int]:
    """Turns where a question move is labelled and another question (or none) is read, and the reverse."""
    out: Counter = Counter()
    for g, p in zip(gold, pred):
        for move, other in (("open_question", "closed_question"), ("closed_question", "open_question")):
            if move in g and move not in p:
                out[f"{SHORT[move]} missed, read {'as ' + SHORT[other] if other in p and other not in g else 'no'}"
                    f" question"] += 1
            if move in p and move not in g:
                out[f"{SHORT[move]} read, not labelled"] += 1
    return dict(out.most_common())


def print_train(max_folds: int, errors: bool) -> None:
    texts, gold, pred = train_oof(max_folds)
    print(f"\ntraining split, out of fold ({max_folds} of 5 folds, {len(texts)} trainee turns)")
    for move in ("open_question", "closed_question"):
        r = prf(gold, pred, move)
        print(f"  {move:<16} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} "
              f"({r['support']} labelled, {r['predicted']} read)")
    print("  " + ", ".join(f"{k} {n}" for k, n in question_confusions(gold, pred).items()))
    if errors:
        for t, g, p in zip(texts, gold, pred):
            gq, pq = g & {"open_question", "closed_question"}, p & {"open_question", "closed_question"}
            if gq != pq:
                print(f"- {sorted(gq) or '-'} read {sorted(pq) or '-'}: {t}   (all read: {sorted(p)})")


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="print half A's disagreements by kind (never B's)")
    parser.add_argument("--kinds", action="store_true", help="count half A's disagreements by kind (never B's)")
    parser.add_argument("--limit", type=int, default=40, help="turns shown per kind of disagreement")
    parser.add_argument("--train-folds", type=int, default=0, help="also read the training split out of fold "
                                                                    "with the first N cached fold detectors")
    parser.add_argument("--train-errors", action="store_true", help="print the out-of-fold question errors")
    args = parser.parse_args(list(argv) if argv is not None else None)
    path = EVAL_DIR / "questions.dev.jsonl"
    if not path.exists():
        print(f"{path} not found: AnnoMI skipped")
        return 0
    half_a, half_b = halves(read_jsonl(path))
    detector = get_detector()
    print(f"AnnoMI questions ({path.name}), the shipped detector; halves by conversation (even / odd ids)")
    print_half("A (study)", measure(detector, half_a))
    print_half("B (measure only)", measure(detector, half_b))
    if args.kinds:
        print_kinds(detector, half_a)
    if args.errors:
        print_errors(detector, half_a, args.limit)
    if args.train_folds:
        print_train(args.train_folds, args.train_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
