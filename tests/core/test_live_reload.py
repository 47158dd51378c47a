"""`make run`'s terminal tells the trainer what a save did: problems shown, fixes shown, a retrain started
when a persona's training content (id, stories) changed, and not for a changed customer line."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import List

from parley.live_reload import LiveReload
from parley.scaffold import new_persona


def _save(path: Path, old: str, new: str) -> None:
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_broken_save_is_shown_with_the_checks_message_then_the_fix(tmp_path: Path) -> None:
    new_persona("cafe_owner", tmp_path, with_test=False)
    said: List[str] = []
    live = LiveReload(said.append, tmp_path, retrain=False)
    live.start()
    live.stop()
    assert said == []  # nothing wrong at start: nothing said
    path = tmp_path / "cafe_owner.yml"
    _save(path, "  list_price: 46 ", "  list_price: forty-six ")
    live.check()
    assert len(said) == 1 and "trainees keep the last good version" in said[0]
    assert f"{path}:" in said[0] and "briefing.list_price: must be a number" in said[0]
    live.check()
    assert len(said) == 1  # said once per change, not every few seconds
    _save(path, "  list_price: forty-six ", "  list_price: 47 ")
    live.check()
    assert said[-1].startswith("(The persona files are fixed") and "cafe_owner" in said[-1]


def test_a_story_edit_starts_a_retrain_and_a_line_edit_does_not(tmp_path: Path) -> None:
    new_persona("cafe_owner", tmp_path, with_test=False)
    marker = tmp_path / "trained"
    said: List[str] = []
    command = [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('x')"]
    live = LiveReload(said.append, tmp_path, train_command=command, log=tmp_path / "train.log")
    live.start()
    live.stop()
    path = tmp_path / "cafe_owner.yml"
    _save(path, "Thanks for sorting it out.", "Thanks, sorted.")  # a customer line: the action server reloads it
    live.check()
    assert said == [] and not marker.exists()
    _save(path, "      - intent: pressure\n", "      - intent: close\n")  # a story: the model must follow
    live.check()
    assert said and "retraining in the background" in said[-1]
    deadline = time.time() + 60
    while time.time() < deadline and not said[-1].startswith("(The model was retrained"):
        time.sleep(0.2)
        live.check()
    assert said[-1].startswith("(The model was retrained") and marker.read_text() == "x"
