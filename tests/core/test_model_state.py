"""The content hash train.sh decides "up to date" by: what changes it, what does not, and that after a
revert it names the model trained from that very content (Rasa's --dry-run trap)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from parley import model_state
from parley.model_state import fingerprint, model_path, prune

ROOT = Path(__file__).resolve().parents[2]


def project(tmp_path: Path) -> Path:
    for name in model_state.MODEL_INPUTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "personas").mkdir()
    for path in (ROOT / "personas").glob("*.yml"):
        shutil.copy2(path, tmp_path / "personas" / path.name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_only_what_the_model_is_trained_from_changes_the_hash(tmp_path: Path) -> None:
    root = project(tmp_path)
    charlie = root / "personas" / "price_increase_charlie.yml"
    first = fingerprint(root)
    assert fingerprint(root) == first
    text = charlie.read_text(encoding="utf-8")
    edit(charlie, "  list_price: 25", "  list_price: 26")  # a briefing figure: the action server reloads it
    assert fingerprint(root) == first
    charlie.write_text(text, encoding="utf-8")
    edit(charlie, "      - intent: pressure\n", "      - intent: close\n")  # a story: the model must follow
    story_edit = fingerprint(root)
    assert story_edit != first
    charlie.write_text(text, encoding="utf-8")  # reverted: the hash names the first model again
    assert fingerprint(root) == first
    edit(root / "config.yml", "epochs: 12", "epochs: 13")
    assert fingerprint(root) not in {first, story_edit}


def test_a_broken_persona_file_makes_a_new_hash_so_rasa_train_reports_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = fingerprint(root)
    edit(root / "personas" / "loyal_customer.yml", "  trust: ", "  trust: high #")
    assert fingerprint(root) != first


def test_after_a_revert_the_matching_older_model_becomes_the_newest(tmp_path: Path) -> None:
    """What train.sh does when the hash names a model that exists: touch it, as `rasa run` loads the newest."""
    models = tmp_path / "models"
    models.mkdir()
    older, newer = model_path(models, "aaaa"), model_path(models, "bbbb")
    for n, path in enumerate((older, newer)):
        path.write_bytes(b"model")
        os.utime(path, (time.time() - 100 + n, time.time() - 100 + n))
    subprocess.run(["touch", str(older)], check=True)
    from rasa.model import get_latest_model  # what `rasa run` loads when no --model is given

    assert Path(get_latest_model(str(models))) == older


def test_prune_keeps_the_newest_models(tmp_path: Path) -> None:
    for n in range(8):
        path = tmp_path / f"parley-{n}.tar.gz"
        path.write_bytes(b"m")
        os.utime(path, (1000 + n, 1000 + n))
    removed = prune(tmp_path, keep=5)
    assert sorted(p.name for p in removed) == ["parley-0.tar.gz", "parley-1.tar.gz", "parley-2.tar.gz"]
    assert len(list(tmp_path.glob("*.tar.gz"))) == 5


def test_the_command_prints_the_model_path_named_by_the_hash() -> None:
    out = subprocess.run([sys.executable, "-m", "parley.model_state", "fingerprint", "--path"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(model_path(ROOT / "models", fingerprint(ROOT)))


def test_push_without_a_server_or_token_says_so(tmp_path: Path) -> None:
    model = tmp_path / "parley-x.tar.gz"
    assert "no API token" in model_state.push(model, "http://127.0.0.1:9", None)
    assert "no Rasa server" in model_state.push(model, "http://127.0.0.1:9", "token")
