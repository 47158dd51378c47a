"""Rubrics as data (issue 17, item 4): the criteria's weights, the pass mark and the advice live in
rubrics/*.yml; a persona or an assignment names one; `parley personas check` validates them; the
report says which rubric scored it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from parley import persona_docs
from parley.engine import start
from parley.moves import get_detector
from parley.report import build_report
from parley.rubrics import MOMENTS, Criterion, RubricError, load_rubric, parse_rubric
from parley.scoring import CRITERIA, TurnScore
from parley.session import Trainer
from parley.store import Store

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "rubrics" / "default.yml").read_text(encoding="utf-8")


def test_the_default_rubric_names_all_seven_criteria_with_weights_pass_mark_and_advice() -> None:
    rubric = load_rubric()
    assert [c.id.value for c in rubric.criteria] == list(CRITERIA) == [c.value for c in Criterion]
    assert rubric.pass_mark == 70 and all(c.advice for c in rubric.criteria)
    assert set(rubric.better_lines) == set(MOMENTS)  # a better line for every kind of costly moment


@pytest.mark.parametrize("change, message", [
    (lambda d: d["criteria"].append(dict(d["criteria"][0])), "rapport listed twice"),
    (lambda d: [c.update(weight=0) for c in d["criteria"]], "every weight is 0"),
    (lambda d: d["criteria"][0].update(id="charm"), "value is not a valid enumeration member"),
    (lambda d: d.update(pass_mark=120), "pass_mark"),
    (lambda d: d["better_lines"].update(grovel="Please stay."), "grovel is not a kind of moment"),
    (lambda d: d.update(colour="blue"), "extra fields not permitted"),
])
def test_a_broken_rubric_is_refused_with_the_reason(change, message) -> None:
    data = yaml.safe_load(DEFAULT)
    change(data)
    with pytest.raises(RubricError, match=message):
        parse_rubric(yaml.safe_dump(data), "rubrics/broken.yml")


def test_weights_choose_what_counts_and_the_report_says_which_rubric_scored_it(charlie, tmp_path) -> None:
    data = yaml.safe_load(DEFAULT)
    data["name"], data["title"] = "tone_only", "Tone drill"
    for c in data["criteria"]:
        c["weight"] = 1 if c["id"] == "collaborative_tone" else 0
    data["outcome_weight"], data["pass_mark"] = 0, 90
    (tmp_path / "tone_only.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "default.yml").write_text(DEFAULT, encoding="utf-8")
    rubric = load_rubric("tone_only", tmp_path)
    state, _ = start(charlie, charlie.parameters(), "normal", 1)
    turns = [TurnScore(i, "Our costs went up, so the price stays at $25.", ("rationale", "hold_position"), 0, ())
             for i in (1, 2, 3)]
    report = build_report(charlie, replace(state, outcome="ended"), turns, rubric=rubric)
    assert report["rubric"]["name"] == "tone_only" and report["rubric"]["pass_mark"] == 90
    assert report["overall"] == report["criteria"]["collaborative_tone"] == 55  # only tone counts
    assert report["passed"] is False
    default = build_report(charlie, replace(state, outcome="ended"), turns)
    assert default["rubric"]["name"] == "default" and default["overall"] != report["overall"]


def test_an_assignment_can_start_a_session_with_another_rubric(personas, tmp_path, monkeypatch) -> None:
    shutil.copy(ROOT / "rubrics" / "default.yml", tmp_path / "default.yml")
    data = yaml.safe_load(DEFAULT)
    data["name"], data["pass_mark"] = "strict", 90
    (tmp_path / "strict.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr("parley.rubrics.RUBRIC_DIR", tmp_path)
    trainer = Trainer(personas, Store("sqlite:///:memory:"), get_detector().detect)
    trainer.start("a", "price_increase_charlie", rubric="strict")
    trainer.turn("a", "Hi Charlie, I'm sorry the price went up. What matters most to you?")
    report = trainer.end("a").payload("report")
    assert report["rubric"]["name"] == "strict" and report["rubric"]["pass_mark"] == 90
    unknown = trainer.start("b", "price_increase_charlie", rubric="nope")
    assert "no rubric called 'nope'" in unknown.texts[0] and "scored with 'default'" in unknown.texts[0]


def test_personas_check_refuses_a_persona_naming_a_missing_rubric(tmp_path) -> None:
    for path in (ROOT / "personas").glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    charlie = tmp_path / "price_increase_charlie.yml"
    charlie.write_text(charlie.read_text(encoding="utf-8") + "\nrubric: no_such_rubric\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "parley.cli", "personas", "check", "--dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "persona price_increase_charlie: rubric: there is no rubric called 'no_such_rubric'" in done.stderr


def test_docs_rubric_reference_matches_the_schema() -> None:
    assert not persona_docs.scoring_stale(), "docs/scoring.md is out of date: run `parley personas schema --write`"
