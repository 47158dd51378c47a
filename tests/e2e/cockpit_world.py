"""A cockpit with people in it, for the cockpit's browser and HTTP tests: a database seeded from real
played conversations, accounts for each role, two trainees who practise through the real Trainer
(one with markup in their name and words), and the cockpit server (python -m parley_web) on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import requests
from sqlalchemy.orm import sessionmaker

from parley.cockpit import directory, results, seed
from parley.personas import load_personas
from parley.store import Store, make_engine
from tests.e2e.conftest import ROOT, free_port

PASSWORD = "correct horse battery staple"
XSS_NAME = 'Mallory <img src=x onerror="window.__parley_xss=1;alert(1)">'
XSS_TURNS = [
    'Hi Charlie, I hear you <script>window.__parley_xss=2;alert(2)</script>, that rise hurts.',
    "What matters most to you about the cartridges? <b onmouseover=alert(3)>tell me</b>",
]
PRIVATE_WORDS = "my secret practice line about the blue cartridges"


@dataclass
class World:
    url: str
    db_url: str
    proc: subprocess.Popen
    log: Path
    people: Dict[str, int] = field(default_factory=dict)
    sessions: Dict[str, int] = field(default_factory=dict)

    def login(self, username: str, password: str = PASSWORD) -> requests.Session:
        http = requests.Session()
        csrf = csrf_of(http.get(f"{self.url}/login", timeout=30).text)
        r = http.post(f"{self.url}/login", data={"csrf": csrf, "username": username, "password": password,
                                                  "next": "/"}, timeout=30)
        assert r.status_code == 200, r.text
        return http

    def signin_link(self, name: str) -> str:
        out = subprocess.run([sys.executable, "-m", "parley.cli", "trainee", "signin-link", name, "--base", self.url,
                              "--url", self.db_url], capture_output=True, text=True, cwd=ROOT, env=_env(self.db_url))
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-1]


def csrf_of(html: str) -> str:
    import re
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def _env(db_url: str) -> dict:
    env = dict(os.environ, PARLEY_DB_URL=db_url, PARLEY_SECRET_KEY="test-secret-key-for-the-cockpit")
    return env


def _play(trainer, sender: str, persona: str, mode: str, turns: List[str]) -> int:  # type: ignore[no-untyped-def]
    trainer.start(sender, persona, "normal", mode)
    for text in turns:
        trainer.turn(sender, text)
    record = trainer.store.active_session(sender)
    session_id = record.id
    trainer.end(sender)
    return session_id


def build(tmp: Path, sessions: int = 400) -> World:
    from parley.moves import detect
    from parley.session import Trainer

    db_url = f"sqlite:///{tmp / 'cockpit.db'}"
    personas = load_personas()
    floors = results.floors(personas)
    templates = seed.play_templates(files=[str(ROOT / "personas" / "tests" / "price_increase_charlie.yml")])
    engine = make_engine(db_url)
    world_people: Dict[str, int] = {}
    with sessionmaker(engine, future=True)() as db, db.begin():
        seed.seed(db, templates, floors, trainees=16, sessions=sessions)
        directory.add_account(db, "tina", PASSWORD, "trainer")
        directory.add_account(db, "leo", PASSWORD, "lead", "Billing")
        directory.add_account(db, "ada", PASSWORD, "admin")
        mallory = directory.add_person(db, XSS_NAME, "Billing")
        bob = directory.add_person(db, "Bob Other-Team", "Renewals")
        directory.link(db, mallory, "web-mallory")
        directory.link(db, bob, "web-bob")
        world_people = {"mallory": mallory.id, "bob": bob.id}
    trainer = Trainer(personas, Store(db_url), detect)
    sessions_made = {
        "mallory_practice": _play(trainer, "web-mallory", "price_increase_charlie", "practice",
                                  XSS_TURNS + [PRIVATE_WORDS]),
        "mallory_assessment": _play(trainer, "web-mallory", "price_increase_charlie", "assessment", XSS_TURNS),
        "bob_assessment": _play(trainer, "web-bob", "price_increase_charlie", "assessment",
                                ["Bob's private words: sorry about the price, Charlie."]),
    }
    port = free_port()
    log = tmp / "cockpit.log"
    proc = subprocess.Popen([sys.executable, "-m", "parley_web", "--port", str(port), "--db-url", db_url],
                            cwd=ROOT, env=_env(db_url), stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    world = World(url, db_url, proc, log, world_people, sessions_made)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the cockpit stopped: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/login", timeout=15).status_code == 200:
                return world
        except requests.RequestException:
            time.sleep(0.5)
    stop(world)  # never leave a server behind
    raise RuntimeError("the cockpit did not answer within 90 s")


def stop(world: World) -> None:
    world.proc.terminate()
    try:
        world.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        world.proc.kill()
