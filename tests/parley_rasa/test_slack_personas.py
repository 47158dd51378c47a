"""Slack's persona list follows the persona files: an edit or a new persona shows without a restart."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from parley_rasa.slack import _Cards, translate

ROOT = Path(__file__).resolve().parents[2]


def touch_later(path: Path) -> None:
    """A new mtime even on file systems with coarse timestamps."""
    later = time.time() + 5
    os.utime(path, (later, later))


def test_cards_follow_edits_and_new_files(tmp_path: Path) -> None:
    for name in ("loyal_customer.yml", "price_increase_charlie.yml"):
        shutil.copy(ROOT / "personas" / name, tmp_path / name)
    cards = _Cards(tmp_path)
    first = cards.current()
    assert [c.id for c in first] == ["loyal_customer", "price_increase_charlie"]
    assert cards.current() is first  # nothing changed: not rebuilt

    loyal = tmp_path / "loyal_customer.yml"
    loyal.write_text(loyal.read_text().replace('title: "Dana - ', 'title: "Dana (edited) - '))
    touch_later(loyal)
    assert cards.current()[0].title.startswith("Dana (edited) - ")

    shutil.copy(ROOT / "personas" / "competitor_switcher.yml", tmp_path / "competitor_switcher.yml")
    assert "competitor_switcher" in {c.id for c in cards.current()}
    assert translate("practice jordan", cards.current()).text.startswith('/start_session{"persona": "competitor')


def test_a_broken_folder_keeps_the_last_cards(tmp_path: Path) -> None:
    shutil.copy(ROOT / "personas" / "loyal_customer.yml", tmp_path / "loyal_customer.yml")
    cards = _Cards(tmp_path)
    assert [c.id for c in cards.current()] == ["loyal_customer"]
    (tmp_path / "loyal_customer.yml").write_text("id: [broken\n")
    touch_later(tmp_path / "loyal_customer.yml")
    assert [c.id for c in cards.current()] == ["loyal_customer"]  # last good version, the channel stays up
