"""The trained detector's cache key covers what training reads, and nothing it never reads.

The question rules (parley/questions.py) only run over a trained detector's readings (pass 1 of the
analysis); training never calls them, so a rule edit must not retrain the detector or its folds."""

from __future__ import annotations

import pytest

from parley import moves, questions
from parley.move_data import Labelled
from parley.moves import DETECTOR_MODULES, Detector


def test_question_rules_are_not_in_the_cache_key() -> None:
    names = {path.name for path in DETECTOR_MODULES}
    assert "questions.py" not in names
    assert {"moves.py", "move_data.py", "empathy.py", "pretrain.py"} <= names


def _refuse(*_args, **_kwargs):
    raise AssertionError("training called a question rule")


def test_training_never_calls_the_question_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in dir(questions):
        value = getattr(questions, name)
        if callable(value) and getattr(value, "__module__", None) == questions.__name__ and \
                not isinstance(value, type):
            monkeypatch.setattr(questions, name, _refuse)
    for name in ("question_shape", "may_ask", "quoted", "word"):
        monkeypatch.setattr(moves, name, _refuse)
    examples = [Labelled("what matters most to you?", ("open_question",)),
                Labelled("I can do $23 if you sign for a year.", ("conditional_trade",)),
                Labelled("Thanks for your patience with us.", ("appreciation",)),
                Labelled("Hi Charlie, good to hear from you.", ("greeting",))] * 3
    detector = Detector.train(examples, epochs=1, architecture="bow")
    readings = detector.read_many(["Could you do $23?", "hello there"])
    assert len(readings) == 2 and all(r.cats for r in readings)  # the classifier scored every sentence
    with pytest.raises(AssertionError, match="question rule"):
        detector.analyse(readings[0])  # the passes, unlike training, do use them

