"""Assignments end to end: a trainer assigns over the cockpit's REST API, the trainee plays over Rasa's
REST channel (practice does not count, assessment does), the cockpit shows the status; in Slack the
trainee gets `assignments`, the App Home and a reminder the day before, a lead gets `team`.
Real Rasa, action server and cockpit servers; the local fake of Slack's Web API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
import requests
import yaml
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from parley.accounts_store import Person
from parley.cockpit import directory
from parley.store import make_engine
from tests.e2e.conftest import ROOT, Stack, free_port, wait_until
from tests.e2e.test_slack import block_text, post, say

PASSWORD = "assignment test password"
SEED = yaml.safe_load((Path(__file__).parent / "conversations" / "charlie_seed_000.yml").read_text())


@pytest.fixture(scope="module")
def cockpit(stack: Stack) -> Iterator[str]:
    db = sessionmaker(make_engine(stack.db_url), future=True)
    with db() as s, s.begin():
        directory.add_account(s, "trainer-tess", PASSWORD, "trainer")
        directory.add_account(s, "lead-lou", PASSWORD, "lead", "Ops", slack_user_id="ULEADLOU")
        rita = directory.add_person(s, "Rita Rest", "Ops")
        directory.link(s, rita, "rest-rita")
    port = free_port()
    log = stack.workdir / "cockpit-assignments.log"
    proc = subprocess.Popen([sys.executable, "-m", "parley_web", "--port", str(port), "--db-url", stack.db_url],
                            cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PARLEY_SECRET_KEY": "assignments-test"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{url}/login", timeout=5).ok, 90, "cockpit", [proc], [log])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def login(url: str, username: str) -> requests.Session:
    import re
    http = requests.Session()
    csrf = re.search(r'name="csrf" value="([^"]+)"', http.get(f"{url}/login", timeout=30).text).group(1)
    assert http.post(f"{url}/login", data={"csrf": csrf, "username": username, "password": PASSWORD},
                     timeout=30).ok
    http.headers["X-CSRF-Token"] = http.get(f"{url}/api/csrf", timeout=30).json()["csrf"]
    return http


def person_id(stack: Stack, name: str) -> int:
    with sessionmaker(make_engine(stack.db_url), future=True)() as s:
        return s.execute(select(Person.id).where(Person.name == name)).scalar_one()


def status(http: requests.Session, url: str, assignment: int, name: str, want: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        rows = [r for r in http.get(f"{url}/api/assignments", timeout=30).json()["assignments"]
                if r["assignment"] == assignment and r["name"] == name]
        if rows and (rows[0]["status"] == want or time.monotonic() > deadline):
            return rows[0]
        time.sleep(1)


def rest_session(stack: Stack, sender: str, mode: str, turns: list) -> None:
    stack.send(sender, "/start_session" + json.dumps({"persona": "price_increase_charlie", "difficulty": "normal",
                                                      "mode": mode}))
    for text in turns:
        replies = stack.send(sender, text)
        if any("report" in (r.get("custom") or {}) for r in replies):
            return
    stack.send(sender, "/end_session")


@pytest.mark.e2e
def test_assignment_life_cycle_over_rest(stack: Stack, cockpit: str) -> None:
    trainer = login(cockpit, "trainer-tess")
    due = (datetime.utcnow() + timedelta(days=5)).strftime("%Y-%m-%d")
    body = {"persona": "price_increase_charlie", "difficulty": "normal", "mode": "assessment", "due": due,
            "min_score": 60, "max_attempts": 2, "people": [person_id(stack, "Rita Rest")]}
    no_token = requests.Session()
    no_token.cookies = trainer.cookies
    assert no_token.post(f"{cockpit}/api/assignments", json=body, timeout=30).status_code == 403  # CSRF header
    bad = trainer.post(f"{cockpit}/api/assignments", json={**body, "persona": "nobody"}, timeout=30)
    assert bad.status_code == 400 and "nobody" in bad.json()["error"]
    r = trainer.post(f"{cockpit}/api/assignments", json=body, timeout=30)
    assert r.status_code == 201, r.text
    assignment = r.json()["id"]
    assert [t["status"] for t in r.json()["targets"]] == ["not started"]

    rest_session(stack, "rest-rita", "practice", SEED["turns"])  # practice never counts
    assert status(trainer, cockpit, assignment, "Rita Rest", "in progress", timeout=6)["status"] == "not started"
    rest_session(stack, "rest-rita", "assessment", SEED["turns"])  # the seed dialogue scores well above 60
    row = status(trainer, cockpit, assignment, "Rita Rest", "passed")
    assert row["status"] == "passed" and row["attempts"] == 1 and row["best"] >= 60
    page = trainer.get(f"{cockpit}/assignments/{assignment}", timeout=30)
    assert page.status_code == 200 and "passed" in page.text and "Rita Rest" in page.text
    # a lead of another team sees nothing of it
    with sessionmaker(make_engine(stack.db_url), future=True)() as s, s.begin():
        directory.add_account(s, "lead-other", PASSWORD, "lead", "Elsewhere")
    other = login(cockpit, "lead-other")
    assert other.get(f"{cockpit}/assignments/{assignment}", timeout=30).status_code == 403
    assert other.get(f"{cockpit}/api/assignments", timeout=30).json()["assignments"] == []


@pytest.mark.e2e
def test_slack_assignments_app_home_reminder_and_team(stack: Stack, cockpit: str) -> None:
    say(stack, "USLACKAS", "DSLACKAS", "help")  # the first message makes the Slack user a person
    trainer = login(cockpit, "trainer-tess")
    deadline = time.monotonic() + 30
    while True:
        with sessionmaker(make_engine(stack.db_url), future=True)() as s:
            pid = s.execute(select(Person.id).where(Person.slack_user_id == "USLACKAS")).scalar_one_or_none()
        if pid or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    with sessionmaker(make_engine(stack.db_url), future=True)() as s, s.begin():
        s.get(Person, pid).team_id = s.execute(select(Person.team_id).where(Person.name == "Rita Rest")).scalar_one()
    due = (datetime.utcnow() + timedelta(hours=20)).isoformat(timespec="minutes")
    r = trainer.post(f"{cockpit}/api/assignments", json={"persona": "loyal_customer", "difficulty": "hard",
                                                        "mode": "assessment", "due": due, "min_score": 75,
                                                        "people": [pid]}, timeout=30)
    assert r.status_code == 201, r.text

    reply = say(stack, "USLACKAS", "DSLACKAS", "assignments")[-1]
    assert "loyal customer" in block_text(reply) and "75+" in block_text(reply)

    # the reminder DM (due within a day), once
    reminders = stack.slack.wait_for("USLACKAS", lambda posts: any("Reminder" in p.get("text", "") for p in posts))
    assert "loyal customer" in reminders[-1]["text"]
    time.sleep(5)
    assert sum("Reminder" in p.get("text", "") for p in stack.slack.posts("USLACKAS")) == 1

    # App Home: views.publish with the open assignment
    event = {"type": "event_callback", "event_id": "EvHOME1", "team_id": "T0PARLEY",
             "event": {"type": "app_home_opened", "user": "USLACKAS", "tab": "home"}}
    assert post(stack, event).status_code == 200
    deadline = time.monotonic() + 30
    while not any(c["method"] == "views.publish" for c in stack.slack.calls) and time.monotonic() < deadline:
        time.sleep(0.5)
    publish = [c for c in stack.slack.calls if c["method"] == "views.publish"][-1]["body"]
    assert publish["user_id"] == "USLACKAS" and publish["view"]["type"] == "home"
    assert "loyal customer" in json.dumps(publish["view"])

    # a lead's `team`: who practised this week
    week = say(stack, "ULEADLOU", "DLEADLOU", "team")[-1]
    assert "Your team this week" in block_text(week) and "Rita Rest" in block_text(week)
    # a trainee asking `team` is told it is for leads
    assert "for team leads" in block_text(say(stack, "USLACKAS", "DSLACKAS", "team")[-1])
