"""`parley score` and `parley detect` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parley(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parley.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_score_replays_a_saved_transcript() -> None:
    result = parley("score", "tests/e2e/conversations/charlie_seed_000.yml", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outcome"]["deal"] and report["outcome"]["price"] == 23


def test_score_explains_a_bad_transcript(tmp_path: Path) -> None:
    bad = tmp_path / "t.yml"
    bad.write_text("turns: [hello]\n")
    result = parley("score", str(bad))
    assert result.returncode == 2 and "needs 'persona:'" in result.stderr and "Traceback" not in result.stderr
    bad.write_text("persona: nobody\nturns: [hello]\n")
    result = parley("score", str(bad))
    assert result.returncode == 2 and "no persona called 'nobody'" in result.stderr


def test_detect_adds_moves_to_each_json_line() -> None:
    lines = [{"text": "I'm sorry about that. What would make this work for you?", "id": 1},
             {"text": "Take it or leave it.", "id": 2}]
    result = parley("detect", stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2]
    assert {"empathy", "open_question"} <= set(out[0]["moves"]) and "pressure" in out[1]["moves"]


def test_detect_rejects_a_line_that_is_not_json() -> None:
    result = parley("detect", stdin='{"text": "hi"}\nnot json\n')
    assert result.returncode == 2 and "stdin line 2" in result.stderr
