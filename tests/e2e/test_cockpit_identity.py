"""People, not sender ids, on the trainee page: the page asks who you are (or takes a trainer's sign-in
link), and the session it starts over Rasa's socket.io channel is stored under that person.  Real
page server, real Rasa and action servers, headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Iterator

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from parley.accounts_store import Identity, Person, Team
from parley.cockpit import assignments, directory, results
from parley.cockpit.auth import Role, Viewer, sign
from parley.personas import load_personas
from parley.store import Trainee, TrainingSession, make_engine
from tests.e2e.conftest import ROOT, Stack, wait_until

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=60_000)  # a loaded two-core machine: the briefing can take a while

from tests.e2e.test_web import start, type_turn  # noqa: E402

KEY = "identity-test-secret"
SHOTS = ROOT / "results" / "cockpit"


@pytest.fixture(scope="module")
def page_url(stack: Stack) -> Iterator[str]:
    """web/server.py on the stack's database (as scripts/run.sh starts it, PARLEY_DB_URL set)."""
    log = stack.workdir / "web-identity.log"
    env = {**os.environ, "PARLEY_DB_URL": stack.db_url, "PARLEY_SECRET_KEY": KEY}
    proc = subprocess.Popen([sys.executable, str(ROOT / "web" / "server.py"), "--port", str(stack.spare_web_port),
                             "--socket-url", stack.rasa_url, "--quiet"], cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{stack.spare_web_port}"
    try:
        wait_until(lambda: requests.get(f"{url}/personas.json", timeout=2).ok, 60, "web page server", [proc], [log])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"], headless=True)
        yield b
        b.close()


def db(stack: Stack):  # type: ignore[no-untyped-def]
    return sessionmaker(make_engine(stack.db_url), future=True)


def sessions_of(stack: Stack, name: str, timeout: float = 30) -> list:
    deadline = time.monotonic() + timeout
    while True:
        with db(stack)() as s:
            rows = s.execute(select(TrainingSession.persona_id, Trainee.external_id)
                             .join(Trainee, Trainee.id == TrainingSession.trainee_id)
                             .join(Identity, Identity.trainee_id == Trainee.id)
                             .join(Person, Person.id == Identity.person_id).where(Person.name == name)).all()
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def new_page(browser: Browser) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(90_000)
    return page


def test_a_typed_name_and_team_put_the_web_session_under_that_person(stack, page_url, browser):
    page = new_page(browser)
    page.goto(page_url)
    form = page.locator("#whoami-form")
    expect(form).to_be_visible()
    cockpit = f"http://127.0.0.1:{os.environ.get('COCKPIT_PORT', '8081')}"
    expect(page.locator("#whoami a", has_text="How scoring works")).to_have_attribute("href", f"{cockpit}/rubric")
    form.locator("input[name=name]").fill("Ben <b>Typed</b>")
    form.locator("input[name=team]").fill("Renewals")
    form.locator("button").click()
    expect(page.locator("#whoami-name")).to_contain_text("Ben <b>Typed</b>")  # as text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "trainee-page-whoami-desktop.png"))
    start(page, page_url, "price_increase_charlie")
    rows = sessions_of(stack, "Ben <b>Typed</b>")
    assert [r.persona_id for r in rows] == ["price_increase_charlie"]
    with db(stack)() as s:
        team = s.execute(select(Team.name).join(Person, Person.team_id == Team.id)
                         .where(Person.name == "Ben <b>Typed</b>")).scalar_one()
    assert team == "Renewals"
    # the name is remembered: the next page load asks nothing
    page.goto(page_url)
    expect(page.locator("#whoami-name")).to_contain_text("Ben <b>Typed</b>")
    page.context.close()


def test_a_trainers_sign_in_link_identifies_the_trainee_without_typing(stack, page_url, browser):
    with db(stack)() as s, s.begin():
        person_id = directory.add_person(s, "Ana Linked", "Billing").id
    token = sign({"person": person_id, "iat": time.time()}, "signin", KEY.encode())
    page = new_page(browser)
    page.goto(f"{page_url}/?signin={token}")
    expect(page).to_have_url(f"{page_url}/")  # the token leaves the address bar
    expect(page.locator("#my-history")).to_be_visible()
    start(page, page_url, "loyal_customer")
    expect(page.locator("#whoami-name")).to_contain_text("Ana Linked")
    assert [r.persona_id for r in sessions_of(stack, "Ana Linked")] == ["loyal_customer"]
    page.context.close()


def test_open_assignments_come_first_in_the_picker_and_choose_their_settings(stack, page_url, browser):
    with db(stack)() as s, s.begin():
        person = directory.add_person(s, "Cleo Assigned", "Billing")
        assignments.create(s, Viewer("tina", Role.trainer), "procurement_manager", "hard", "assessment",
                           datetime.utcnow() + timedelta(days=2), 70, 3, person_ids=[person.id])
        person_id = person.id
    page = new_page(browser)
    page.goto(page_url)
    page.locator("#whoami-form input[name=name]").fill("Cleo Assigned")
    page.locator("#whoami-form button").click()
    item = page.locator("#assignments li").first
    expect(item).to_contain_text("procurement manager")
    expect(item).to_contain_text("70+")
    box = page.locator("#whoami").bounding_box()
    assert box["y"] < page.locator("#persona-list").bounding_box()["y"]  # above the personas
    item.locator("button").click()
    expect(page.locator('input[name="mode"][value="assessment"]')).to_be_checked()
    expect(page.locator('input[name="difficulty"][value="hard"]')).to_be_checked()
    page.screenshot(path=str(SHOTS / "trainee-page-assignment-desktop.png"))
    # the attempt made from the web page counts toward the assignment
    page.locator("#start").click()
    expect(page.locator("#briefing .persona-heading")).to_be_visible()
    type_turn(page, "Thanks for your time, Morgan. What does the budget cut mean for your team?")
    if page.locator("#report").is_hidden():
        page.locator("#end-session").click()
    expect(page.locator("#report")).to_be_visible()
    deadline = time.monotonic() + 30
    while True:
        with db(stack)() as s, s.begin():
            results.refresh(s, results.floors(load_personas()))
            row = assignments.progress(s, Viewer("tina", Role.trainer), person_id=person_id)[0]
        if row.attempts or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert row.attempts == 1 and row.status.value in ("in progress", "passed")
    page.context.close()


def test_what_the_trainee_types_survives_the_page_finishing_loading(stack, page_url, browser):
    """The page re-draws the who-are-you box when /config.json arrives (the rubric link); a name typed before that
    must still be there, with the cursor in it (CI once caught the name wiped and "Type your name" shown)."""
    page = new_page(browser)
    held = []
    page.route("**/config.json", lambda route: held.append(route))  # answered once the trainee has typed
    page.goto(page_url)
    name = page.locator("#whoami-form input[name=name]")
    name.fill("Dev Early")
    page.locator("#whoami-form input[name=team]").fill("Retention")
    page.locator("#whoami-form input[name=team]").focus()
    assert len(held) == 2, held  # app.js and whoami.js each ask for it
    for route in held:
        route.continue_()
    expect(page.locator("#whoami a", has_text="How scoring works")).to_be_visible()  # the box was re-drawn
    expect(name).to_have_value("Dev Early")
    expect(page.locator("#whoami-form input[name=team]")).to_have_value("Retention")
    expect(page.locator("#whoami-form input[name=team]")).to_be_focused()
    page.set_viewport_size({"width": 390, "height": 844})  # how a trainee on a phone sees the kept form
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "trainee-page-whoami-typed-phone.png"))
    page.locator("#whoami-form button").click()
    expect(page.locator("#whoami-name")).to_contain_text("Dev Early")
    page.context.close()


def test_whoami_refuses_bad_input_with_a_clear_answer(page_url):
    r = requests.post(f"{page_url}/whoami", data="name=x", headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 415
    r = requests.post(f"{page_url}/whoami", json={"sender": "../etc", "name": "Eve"}, timeout=30)
    assert r.status_code == 400 and "connection id" in r.json()["error"]
    r = requests.post(f"{page_url}/whoami", json={"sender": "abc123", "token": "forged.token"}, timeout=30)
    assert r.status_code == 400 and "not valid" in r.json()["error"]
    r = requests.post(f"{page_url}/whoami", json={"sender": "abc123"}, timeout=30)
    assert r.status_code == 400 and "name" in r.json()["error"]
