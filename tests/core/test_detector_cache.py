"""The trained detector's cache key covers what training reads, and nothing it never reads.

Training lives in parley/classifier.py (with its examples from parley/move_data.py, optional tok2vec
weights from parley/pretrain.py and the move names of parley/taxonomy.py): those modules are the key.
The passes (parley/moves.py), the question rules (parley/questions.py), amounts, signals, phrase
tables and empathy guards only run over a trained detector's readings; training never calls them, so
an edit there re-reads with the same classifier instead of retraining it and its folds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from parley import amounts, classifier, empathy, moves, phrases, questions, signals, wording
from parley.move_data import Labelled
from parley.moves import DETECTOR_MODULES, Detector

PARLEY = Path(classifier.__file__).resolve().parent


def test_the_key_is_the_training_code() -> None:
    names = {path.name for path in DETECTOR_MODULES}
    assert names == {"classifier.py", "move_data.py", "pretrain.py", "taxonomy.py"}
    assert not names & {"moves.py", "questions.py", "amounts.py", "signals.py", "empathy.py", "phrases.py"}


def _imported_parley_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("parley"):
            if node.module == "parley":
                found |= {alias.name for alias in node.names}
            else:
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("parley.")}
    return found


def test_the_training_code_imports_only_what_is_in_the_key() -> None:
    """A module the training code reads but the key leaves out would let a stale detector load."""
    keyed = {path.stem for path in DETECTOR_MODULES}
    for path in DETECTOR_MODULES:
        assert _imported_parley_modules(path) <= keyed, path.name


def _refuse(*_args, **_kwargs):
    raise AssertionError("training called a reading-time rule")


def test_training_never_calls_the_passes_or_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (moves, questions, amounts, empathy, signals, phrases, wording):
        for name in dir(module):
            value = getattr(module, name)
            if callable(value) and getattr(value, "__module__", None) == module.__name__ and \
                    not isinstance(value, type):
                monkeypatch.setattr(module, name, _refuse)
    examples = [Labelled("what matters most to you?", ("open_question",)),
                Labelled("I can do $23 if you sign for a year.", ("conditional_trade",)),
                Labelled("Thanks for your patience with us.", ("appreciation",)),
                Labelled("Hi Charlie, good to hear from you.", ("greeting",))] * 3
    nlp = classifier.train(examples, epochs=1, architecture="bow")
    monkeypatch.undo()
    detector = Detector(nlp)
    readings = detector.read_many(["Could you do $23?", "hello there"])
    assert len(readings) == 2 and all(r.cats for r in readings)  # the classifier scored every sentence
    assert "open_question" in detector.analyse(detector.read_many(["what matters most to you?"])[0]).moves


def test_the_passes_do_use_the_question_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    detector = Detector(classifier.train([Labelled("what matters most to you?", ("open_question",))] * 2,
                                         epochs=1, architecture="bow"))
    readings = detector.read_many(["Could you do $23?"])
    monkeypatch.setattr(moves, "question_shape", _refuse)
    with pytest.raises(AssertionError, match="reading-time rule"):
        detector.analyse(readings[0])
