"""Live reload that tells, end to end: a broken persona save is shown on the trainers' picker (not the
trainees'), trainees keep the last good version, and a reload during a running session never holds up
the trainee's turn."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT, free_port, wait_until

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from tests.e2e.test_web import browser, new_page, shot  # noqa: E402,F401  # the module's Chromium fixture


def _save(path: Path, text: str) -> None:
    before = path.stat().st_mtime if path.exists() else time.time()
    path.write_text(text, encoding="utf-8")
    os.utime(path, (before + 2, before + 2))


@pytest.mark.e2e
def test_a_broken_save_shows_on_the_trainers_picker_and_trainees_keep_the_last_good_version(
        browser, tmp_path: Path) -> None:  # noqa: F811
    personas = tmp_path / "personas"
    personas.mkdir()
    for name in ("loyal_customer.yml", "price_increase_charlie.yml"):
        shutil.copy(ROOT / "personas" / name, personas / name)
    token = uuid.uuid4().hex
    port = free_port()
    log = tmp_path / "web.log"
    env = {**os.environ, "PARLEY_API_TOKEN": token}
    server = subprocess.Popen([sys.executable, str(ROOT / "web" / "server.py"), "--port", str(port), "--personas",
                               str(personas), "--socket-url", "http://127.0.0.1:9", "--quiet"], cwd=ROOT, env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: requests.get(url + "personas.json", timeout=2).ok, 60, "page server", [server], [log])
        charlie = personas / "price_increase_charlie.yml"
        good = charlie.read_text(encoding="utf-8")
        _save(charlie, good.replace("  list_price: 25", "  list_price: twenty-five", 1))
        # the check's own message, for trainers only (it may quote hidden parameters)
        trainer = requests.get(url + "personas.json", headers={"X-Parley-Trainer": token}, timeout=5).json()
        [problem] = trainer["problems"]
        assert problem["file"].endswith("price_increase_charlie.yml") and problem["field"] == "briefing.list_price"
        assert good.splitlines()[problem["line"] - 1].startswith("  list_price:")
        for header in ({}, {"X-Parley-Trainer": "not-the-token"}):
            trainee = requests.get(url + "personas.json", headers=header, timeout=5).json()
            assert "problems" not in trainee
            assert {p["id"] for p in trainee["personas"]} == {"loyal_customer", "price_increase_charlie"}

        page, watch = new_page(browser)
        page.goto(url + "#trainer=" + token)
        box = page.locator("#persona-problems")
        expect(box).to_be_visible()
        expect(box).to_contain_text("briefing.list_price")
        expect(box).to_contain_text("Trainees keep the last good version")
        expect(page.locator('label[data-persona="price_increase_charlie"]')).to_be_visible()  # still playable
        shot(page, "trainer-1-broken-save-on-the-picker")
        _save(charlie, good)  # fixed: the box goes away on its own
        expect(box).to_be_hidden(timeout=20_000)
        shot(page, "trainer-2-fixed")

        trainee_page, _ = new_page(browser)
        _save(charlie, good.replace("  list_price: 25", "  list_price: twenty-five", 1))
        trainee_page.goto(url)
        expect(trainee_page.locator('label[data-persona="price_increase_charlie"]')).to_be_visible()
        assert trainee_page.locator("#persona-problems").is_hidden()
        shot(trainee_page, "trainer-3-trainee-sees-no-problems")
        assert watch.errors == []
        page.close()
        trainee_page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
