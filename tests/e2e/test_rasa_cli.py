"""Rasa's own CLI keeps working in the project: `rasa data validate`, `rasa test --stories`, `rasa test nlu`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parley.moves import HELDOUT_FILE, load_examples

ROOT = Path(__file__).resolve().parents[2]
RASA = str(Path(sys.executable).parent / "rasa")
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
pytestmark = pytest.mark.e2e


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)


def test_rasa_data_validate_passes() -> None:
    result = rasa("data", "validate", "--config", "config.yml", "--domain", "domain.yml", "--data", "data")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "No story structure conflicts found" in result.stdout + result.stderr


def test_rasa_test_stories_pass(tmp_path: Path) -> None:
    result = rasa("test", "core", "--stories", "tests/stories", "--fail-on-prediction-errors", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0
    assert report["action_customer_turn"]["support"] >= 4


def test_rasa_test_catches_a_wrong_story(tmp_path: Path) -> None:
    story = (ROOT / "tests" / "stories" / "test_conversations.yml").read_text()
    cut = story.index("intent: pressure")
    broken = story[:cut] + story[cut:].replace("action: action_customer_turn", "action: action_end_session", 1)
    (tmp_path / "stories").mkdir()
    (tmp_path / "stories" / "broken.yml").write_text(broken)
    result = rasa("test", "core", "--stories", str(tmp_path / "stories"), "--fail-on-prediction-errors",
                  "--out", str(tmp_path / "out"))
    assert result.returncode != 0 and "WrongPredictionException" in result.stdout + result.stderr


def test_rasa_test_nlu_scores_the_trained_model_on_the_held_out_examples(tmp_path: Path) -> None:
    export = subprocess.run([sys.executable, "-m", "parley_rasa.importer", str(tmp_path / "heldout.nlu.yml")],
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert export.returncode == 0, export.stderr[-3000:]
    result = rasa("test", "nlu", "--nlu", str(tmp_path / "heldout.nlu.yml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "intent_report.json").read_text())
    # the intent is the turn's most consequential move; the held-out turns were never trained on
    assert report["weighted avg"]["support"] == len(load_examples(HELDOUT_FILE))
    assert report["accuracy"] >= 0.8
