"""k-fold cross-validation of the move detector, grouped by conversation, and threshold calibration.

Figures on data the detector trains on are only ever reported this way: the examples are split
into k folds by group (a CaSiNo conversation stays in one fold; a hand-written trainee turn is its
own group), a detector is trained on k-1 folds and reads the fold it never saw.  The same k
detectors also read the held-out files, so every figure comes with its fold-to-fold spread.

`calibrate` chooses each move's classifier threshold on the out-of-fold readings only (coordinate
ascent over a small grid, the whole detector re-run with rules and all), so the thresholds
shipped in parley/data/moves/thresholds.yml never saw the rows they are judged on.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Set, Tuple

from parley.classifier import ARCHITECTURE
from parley.move_data import Labelled
from parley.moves import CACHE_DIR, DETECTOR_MODULES, Detector, Reading
from parley.taxonomy import REAL_MOVES

# fold detectors are cached here, keyed by everything they are trained from (`fold_key`), so a
# second `make bench-evaluator` on the same data and code (a threshold re-tried) reads, not retrains
FOLD_CACHE = CACHE_DIR.parent / "crossval"
GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


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


def macro_f1(gold: Sequence[Set[str]], pred: Sequence[Set[str]], moves: Sequence[str] = REAL_MOVES) -> float:
    return sum(prf(gold, pred, m)["f1"] for m in moves) / len(moves)


def confusions(gold: Sequence[Set[str]], pred: Sequence[Set[str]], top: int = 12) -> List[Tuple[str, str, int]]:
    """The moves most often mixed up: (labelled, read instead, how often) over turns where the
    labelled move was missed and another move was read that the turn does not carry."""
    counts: Counter = Counter()
    for g, p in zip(gold, pred):
        for missed in g - p:
            for wrong in p - g:
                counts[(missed, wrong)] += 1
    return [(a, b, n) for (a, b), n in counts.most_common(top)]


# -- folds ----------------------------------------------------------------------------------------
def folds(examples: Sequence[Labelled], k: int = 5, seed: int = 13) -> List[List[int]]:
    """Example indices per fold; every group (conversation) falls wholly in one fold, and the
    groups of each source are dealt round-robin so every fold gets its share of each."""
    by_group: Dict[Tuple[str, str], List[int]] = {}
    for n, e in enumerate(examples):
        by_group.setdefault((e.source, e.group), []).append(n)
    out: List[List[int]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for source in sorted({s for s, _g in by_group}):
        groups = sorted(g for s, g in by_group if s == source)
        rng.shuffle(groups)
        for j, g in enumerate(groups):
            out[j % k].extend(by_group[(source, g)])
    return [sorted(f) for f in out]


@dataclass
class Fold:
    detector: Detector
    test: List[int]  # indices into the examples
    readings: List[Reading]  # of the test examples, kept so thresholds can be re-tried
    extra: Dict[str, List[Reading]] = field(default_factory=dict)  # other files read by this fold's model


def fold_key(examples: Sequence[Labelled], train: Sequence[int], architecture: str, epochs: int,
             weights: bytes | None = None) -> str:
    """What a fold detector is trained from: its examples (text, labels), the detector's code, the
    architecture, epochs and pretrained weights (thresholds are applied at reading time, not here)."""
    digest = hashlib.sha256(f"{architecture}|{epochs}".encode())
    digest.update(weights or b"")
    for path in DETECTOR_MODULES:
        digest.update(path.read_bytes())
    for n in train:
        e = examples[n]
        digest.update(json.dumps([e.text, e.moves, e.known]).encode())
    return digest.hexdigest()[:20]


def _train_fold(examples: Sequence[Labelled], train: Sequence[int], architecture: str, epochs: int,
                weights: bytes | None) -> Detector:
    target = FOLD_CACHE / fold_key(examples, train, architecture, epochs, weights)
    if (target / "meta.json").exists():
        return Detector.from_disk(target)
    detector = Detector.train([examples[n] for n in train], epochs=epochs, architecture=architecture,
                              tok2vec_weights=weights)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    detector.to_disk(tmp)
    try:
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return detector


def run(examples: Sequence[Labelled], k: int = 5, epochs: int = 12, architecture: str = ARCHITECTURE,
        extra: Dict[str, Sequence[str]] | None = None, seed: int = 13, max_folds: int | None = None) -> List[Fold]:
    """Train k detectors, each without one fold, and read that fold (and any extra texts) with it
    (`max_folds`: stop early, for a quick look at an expensive architecture)."""
    out: List[Fold] = []
    weights = None
    if architecture == "ensemble-pretrained":
        # pretrained once on the unlabelled corpus (text only, no label: parley/pretrain.py); the test
        # fold's text is in that corpus, its labels never are
        from parley import pretrain
        weights = pretrain.tok2vec_weights()
    for test in folds(examples, k, seed)[:max_folds]:
        held = set(test)
        detector = _train_fold(examples, [n for n in range(len(examples)) if n not in held], architecture, epochs,
                               weights)
        fold = Fold(detector, test, detector.read_many([examples[n].text for n in test]))
        for name, texts in (extra or {}).items():
            fold.extra[name] = detector.read_many(texts)
        out.append(fold)
    return out


def predict(fold: Fold, readings: Sequence[Reading], thresholds: Dict[str, float] | None = None) -> List[Set[str]]:
    detector = fold.detector
    if thresholds is not None:
        saved, detector.thresholds = detector.thresholds, dict(thresholds)
    try:
        return [set(detector.analyse(r).moves) for r in readings]
    finally:
        if thresholds is not None:
            detector.thresholds = saved


def spread(values: Sequence[float]) -> Dict[str, float]:
    return {"mean": round(statistics.fmean(values), 3), "sd": round(statistics.pstdev(values), 3),
            "min": round(min(values), 3), "max": round(max(values), 3)}


# -- calibration ----------------------------------------------------------------------------------
def _objective(examples: Sequence[Labelled], fold_list: Sequence[Fold], thresholds: Dict[str, float],
               move: str) -> float:
    """F1 of one move over every out-of-fold example that labels it (trainee turns, and CaSiNo rows
    for empathy)."""
    gold, pred = [], []
    for fold in fold_list:
        keep = [j for j, n in enumerate(fold.test) if examples[n].known is None or move in examples[n].known]
        gold += [set(examples[fold.test[j]].moves) for j in keep]
        pred += predict(fold, [fold.readings[j] for j in keep], thresholds)
    return prf(gold, pred, move)["f1"]


def calibrate(examples: Sequence[Labelled], fold_list: Sequence[Fold], start: Dict[str, float],
              grid: Sequence[float] = GRID) -> Dict[str, float]:
    """One round of coordinate ascent: each move's threshold in turn, the others held."""
    chosen = dict(start)
    for move in REAL_MOVES:
        best, best_value = chosen[move], _objective(examples, fold_list, chosen, move)
        for value in grid:
            if value == chosen[move]:
                continue
            f1 = _objective(examples, fold_list, {**chosen, move: value}, move)
            if f1 > best_value + 0.002:  # a real gain, not noise: otherwise keep the current one
                best, best_value = value, f1
        chosen[move] = best
    return chosen
