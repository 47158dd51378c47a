"""The fresh held-out files (issue 15): parley/data/moves/extra/heldout_fresh.yml, trainee turns nobody
tuned on, and extra/heldout_design_only.yml, labelled from DESIGN.md alone. Each must parse, use only
the taxonomy's moves, be big and varied enough to measure every move, and never be read by training."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from typing import List

import pytest

from parley import crossval, move_data, pretrain
from parley.move_data import DESIGN_ONLY_FILE, FRESH_FILE, MEASURING_ONLY, Labelled, load_examples
from parley.taxonomy import MOVES, REAL_MOVES

# each file's counts: (turns, turns per real move, `other` turns) at least
COUNTS = {FRESH_FILE: (260, 12, 12), DESIGN_ONLY_FILE: (400, 18, 10)}
MULTI_SHARE = (0.40, 0.50)  # "about 45 %" of the turns carry two or more moves


@pytest.fixture(params=list(COUNTS), ids=lambda p: p.stem)
def path(request) -> Path:
    return request.param


@pytest.fixture
def fresh(path: Path) -> List[Labelled]:
    return load_examples(path)


def test_the_fresh_file_says_it_is_for_measuring_only(path):
    header = path.read_text(encoding="utf-8").split("examples:")[0]
    assert "MEASURING ONLY" in header and "never train" in header


def test_every_turn_has_text_and_only_known_moves(fresh):
    assert fresh, "the fresh held-out file is empty"
    for example in fresh:
        assert example.text.strip(), example
        assert example.moves and len(example.moves) == len(set(example.moves)) <= 4, example.text
        assert set(example.moves) <= set(MOVES), (example.text, example.moves)
        if "other" in example.moves:  # `other` is a turn with none of the moves, never one of several
            assert example.moves == ("other",), example.text


def test_the_file_meets_its_counts(path, fresh):
    min_turns, min_per_move, min_other = COUNTS[path]
    assert len(fresh) >= min_turns
    per_move = Counter(m for e in fresh for m in e.moves)
    short = {m: per_move[m] for m in REAL_MOVES if per_move[m] < min_per_move}
    assert not short, f"moves with fewer than {min_per_move} turns: {short}"
    assert per_move["other"] >= min_other
    multi = sum(len(e.moves) > 1 for e in fresh) / len(fresh)
    assert MULTI_SHARE[0] <= multi <= MULTI_SHARE[1], f"{multi:.0%} of the turns carry several moves"


def test_no_turn_is_repeated_or_shared_with_another_move_file(path, fresh):
    texts = [e.text.strip().lower() for e in fresh]
    assert len(texts) == len(set(texts)), [t for t, n in Counter(texts).items() if n > 1]
    others = {e.text.strip().lower() for e in move_data.training_examples()}
    for other in (move_data.HELDOUT_FILE, *MEASURING_ONLY):
        if other != path:
            others |= {e.text.strip().lower() for e in load_examples(other)}
    assert not set(texts) & others


def test_training_never_reads_the_fresh_file(path, monkeypatch):
    read: List[Path] = []
    real = move_data.load_examples

    def spy(path: Path = move_data.TRAIN_FILE) -> List[Labelled]:
        read.append(Path(path))
        return real(path)

    monkeypatch.setattr(move_data, "load_examples", spy)
    trained = move_data.training_examples()
    assert read and trained
    assert path not in read and path in MEASURING_ONLY
    assert path not in move_data.extra_files()
    assert path not in move_data.data_files()  # so it is no part of the detector's cache key either
    corpus = {t.strip().lower() for t in pretrain.corpus_texts()}  # nor of the unlabelled pretraining text
    assert not {e.text.strip().lower() for e in real(path)} & corpus


def test_any_measuring_only_file_is_kept_out_of_training(tmp_path, monkeypatch):
    """The exclusion is by the files' names, so a fresh file anywhere in extra/ stays out."""
    extra = tmp_path / "extra"
    extra.mkdir()
    for name in ("styles.yml", *(p.name for p in MEASURING_ONLY)):
        (extra / name).write_text('examples:\n  - text: "hi"\n    moves: [greeting]\n', encoding="utf-8")
    monkeypatch.setattr(move_data, "EXTRA_DIR", extra)
    assert [p.name for p in move_data.extra_files()] == ["styles.yml"]


def _bench_module():
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_evaluator.py"
    spec = importlib.util.spec_from_file_location("bench_evaluator_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_bench_reads_the_fresh_file_with_each_fold_detector(monkeypatch):
    """The wiring, without training: a stand-in fold 'reads' every turn as labelled, except one fresh
    turn read as `other`; the bench's fresh figure, per move, must show exactly that."""
    bench = _bench_module()
    fresh = load_examples(FRESH_FILE)
    gold_of = {e.text: set(e.moves) for path in (move_data.HELDOUT_FILE, move_data.UNSEEN_FILE, DESIGN_ONLY_FILE)
               for e in load_examples(path)}
    planted = fresh[0]
    seen = {}

    def run(examples, k, extra=None, **kwargs):
        seen.update(extra or {})
        test = list(range(len(examples)))
        readings = {name: [gold_of.get(t, set()) for t in texts] for name, texts in (extra or {}).items()}
        readings["fresh"] = [{"other"} if e is planted else set(e.moves) for e in fresh]
        return [crossval.Fold(None, test, [set(examples[n].moves) for n in test], readings)]

    monkeypatch.setattr(crossval, "run", run)
    monkeypatch.setattr(crossval, "predict", lambda fold, readings, thresholds=None: [set(r) for r in readings])
    results = bench.bench_cv(5, max_folds=1)
    assert seen["fresh"] == [e.text for e in fresh]
    figures = results["fresh"]
    assert figures["turns"] == len(fresh) and figures["wrong_turns"] == 1
    assert set(REAL_MOVES) <= set(figures["per_move"])
    assert all(figures["per_move"][m]["recall"] == 1.0 for m in REAL_MOVES if m not in planted.moves)
    assert {(m, "other", 1) for m in planted.moves} <= set(map(tuple, figures["confusions"]))
    assert 0.9 < figures["macro_f1_13"] < 1.0
    found = bench.targets({"cv": results})
    assert found["heldout_fresh.yml macro-F1 (13 moves)"]["value"] == figures["macro_f1_13"]
    design_only = results["design_only"]  # read as labelled by the stand-in: every turn right
    assert seen["design_only"] == [e.text for e in load_examples(DESIGN_ONLY_FILE)]
    assert design_only["wrong_turns"] == 0 and design_only["macro_f1_13"] == 1.0
    assert found["heldout_design_only.yml macro-F1 (13 moves)"]["value"] == 1.0
