"""The cockpit in headless Chromium and over HTTP: sign-in, each page, who may see what, CSRF, and
trainee text shown as text.  Screenshots of each page at desktop and phone widths go to
results/cockpit/ (look at them)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from tests.e2e import cockpit_world
from tests.e2e.cockpit_world import PASSWORD, PRIVATE_WORDS, XSS_NAME, World, csrf_of
from tests.e2e.conftest import ROOT

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=60_000)  # a loaded two-core machine: the briefing can take a while

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
SHOTS = ROOT / "results" / "cockpit"
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = cockpit_world.build(tmp_path_factory.mktemp("cockpit"))
    yield w
    cockpit_world.stop(w)


@pytest.fixture(scope="module")
def personas() -> dict:
    from parley.personas import load_personas
    return load_personas()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Watch:
    def __init__(self, page: Page) -> None:
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        self.console: List[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def clean(self) -> None:
        assert self.dialogs == [], f"markup ran as script: {self.dialogs}"
        assert self.errors == [], self.errors
        assert not [c for c in self.console if "Content Security Policy" in c or "Refused" in c], self.console


def sign_in(browser: Browser, world: World, username: str, size: str = "desktop") -> tuple[Page, Watch]:
    page = browser.new_page(viewport=WIDTHS[size])
    page.set_default_timeout(30_000)
    watch = Watch(page)
    page.goto(f"{world.url}/overview")
    expect(page).to_have_url(f"{world.url}/login?next=/overview")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page, watch


# what sticks out past the right edge of the window, outside the tables' own scroll boxes (html hides overflow,
# so a too-wide dropdown would be cut off rather than scroll)
_OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.scroll') && e.getClientRects().length &&
               e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + (e.name ? '[' + e.name + ']' : ''))"""


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot; nothing on the page may stick out past the window (phone widths above all)."""
    assert page.evaluate(_OVERFLOWING) == [], f"{name}: wider than the window"
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def charts_drawn(page: Page) -> None:
    expect(page.locator("body[data-charts=drawn]")).to_have_count(1)


def test_sign_in_with_a_wrong_password_is_refused_then_the_right_one_opens_the_overview(browser, world):
    page = browser.new_page(viewport=WIDTHS["desktop"])
    watch = Watch(page)
    page.goto(f"{world.url}/login")
    page.fill("input[name=username]", "tina")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("Wrong user name or password")
    page.fill("input[name=username]", "tina")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{world.url}/overview")
    expect(page.locator(".account")).to_contain_text("tina")
    page.click("text=Sign out")
    expect(page).to_have_url(f"{world.url}/login")
    assert page.goto(f"{world.url}/overview").url.startswith(f"{world.url}/login")
    watch.clean()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_overview_shows_who_practised_the_heatmap_weakest_criterion_and_personas(browser, world, size):
    page, watch = sign_in(browser, world, "tina", size)
    expect(page).to_have_url(f"{world.url}/overview")
    charts_drawn(page)
    rows = page.locator("#trainees tbody tr")
    assert rows.count() >= 18  # 16 seeded + Mallory + Bob
    expect(page.locator(".tile").nth(2)).to_contain_text("weakest criterion")
    expect(page.locator("canvas#heatmap")).to_be_visible()
    expect(page.locator("canvas#personas")).to_be_visible()
    # Mallory's name is shown as text, never run
    expect(page.locator("#trainees")).to_contain_text(XSS_NAME)
    assert page.locator("#trainees img").count() == 0
    page.select_option("select[name=days]", "365")
    page.click("form.filters button")
    expect(page).to_have_url(f"{world.url}/overview?days=365&team=")
    charts_drawn(page)
    shot(page, f"overview-{size}")
    watch.clean()


def test_a_not_assessed_session_shows_as_such_and_the_average_leaves_it_out(browser, world):
    """The seeder makes about one session in twenty not assessed (overall NULL): its trainee's page says
    "not assessed" for it, and the overview's average is over the assessed sessions only."""
    from sqlalchemy import create_engine, func, select

    from parley.accounts_store import Identity, Person, SessionResult

    engine = create_engine(world.db_url)
    with engine.connect() as c:
        person_id, name = c.execute(
            select(Person.id, Person.name).join(Identity, Identity.person_id == Person.id)
            .join(SessionResult, SessionResult.trainee_id == Identity.trainee_id)
            .where(SessionResult.overall.is_(None)).limit(1)).one()
        average = c.execute(select(func.avg(SessionResult.overall)).join(
            Identity, Identity.trainee_id == SessionResult.trainee_id).where(
            Identity.person_id == person_id, SessionResult.ended_at >= datetime.utcnow() - timedelta(days=365))
        ).scalar()
    engine.dispose()
    page, watch = sign_in(browser, world, "tina")
    expect(page).to_have_url(f"{world.url}/overview")
    page.goto(f"{world.url}/overview?days=365")
    row = page.locator("#trainees tbody tr", has_text=name)
    expect(row.locator("td").nth(3)).to_have_text(f"{round(average):.0f}" if round(average, 1).is_integer()
                                                  else f"{round(average, 1):.1f}")
    page.goto(f"{world.url}/trainees/{person_id}")
    charts_drawn(page)
    expect(page.locator("#sessions")).to_contain_text("not assessed")
    watch.clean()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_a_trainees_progress_has_a_chart_per_criterion_first_versus_best_and_streaks(browser, world, size):
    page, watch = sign_in(browser, world, "tina", size)
    page.locator("#trainees tbody tr a").first.click()
    charts_drawn(page)
    expect(page.locator("canvas#progress")).to_be_visible()
    assert page.locator("#first-best tbody tr").count() >= 1
    expect(page.locator(".tile").first).to_contain_text("day streak")
    expect(page.locator("#sessions")).to_contain_text("private practice")  # practice: no transcript for staff
    expect(page.locator("#page-link")).to_contain_text(":8080/?signin=")  # the link a trainer sends
    shot(page, f"progress-{size}")
    watch.clean()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_transcript_shows_turns_moves_triggers_points_and_a_trust_chart_and_takes_a_comment(browser, world, size):
    page, watch = sign_in(browser, world, "tina", size)
    page.goto(f"{world.url}/sessions/{world.sessions['mallory_assessment']}")
    charts_drawn(page)
    expect(page.locator("canvas#mood")).to_be_visible()
    turns = page.locator(".turn")
    assert turns.count() == 2
    expect(turns.first).to_contain_text("<script>window.__parley_xss=2;alert(2)</script>")  # as text
    assert page.locator(".turn mark.move").count() >= 1  # the words that triggered a move
    assert page.locator(".turn .chip").count() >= 1
    assert page.locator("main script:not([type='application/json'])").count() == 0
    comment = f"Good opening ({size}). <img src=x onerror=alert(9)> Try a summary next."
    page.fill("textarea[name=text]", comment)
    page.click("text=Post comment")
    expect(page.locator(".comment").last).to_contain_text(comment)
    assert page.locator(".comment img").count() == 0
    page.wait_for_timeout(300)
    shot(page, f"transcript-{size}")
    watch.clean()


def test_the_rubric_is_public_in_plain_words(browser, world):
    page = browser.new_page(viewport=WIDTHS["phone"])
    watch = Watch(page)
    page.goto(f"{world.url}/rubric")
    import yaml
    default = yaml.safe_load((ROOT / "rubrics" / "default.yml").read_text(encoding="utf-8"))
    assert page.locator(".criterion").count() == len(default["criteria"])
    expect(page.locator("#concession_discipline")).to_contain_text("floor price")
    expect(page.locator("#pass-mark")).to_contain_text(f"{default['pass_mark']} or more")
    outcome = 100 * default["outcome_weight"]
    expect(page.locator("#overall-rule")).to_contain_text(f"{outcome:g}% where the conversation ended")
    total = sum(c["weight"] for c in default["criteria"] if c["weight"] > 0)
    for c in default["criteria"]:
        share = f"{round((100 - outcome) * c['weight'] / total, 1):g}% of your overall"
        expect(page.locator(f"#{c['id']} .share")).to_have_text(share)
        expect(page.locator(f"#{c['id']} dt")).to_contain_text(c["label"])
    expect(page.locator("#caps")).to_contain_text(f"at most {default['caps']['caved']}")
    shot(page, "rubric-phone")
    page.set_viewport_size(WIDTHS["desktop"])
    shot(page, "rubric-desktop")
    watch.clean()
    # the rubric a persona names, and a clear answer for a name that does not exist
    page.goto(f"{world.url}/rubric?persona=loyal_customer")
    expect(page.locator("#rubric-name")).to_contain_text("loyal_customer")
    for bad in ("rubric=nothing", "persona=nobody"):
        reply = requests.get(f"{world.url}/rubric?{bad}", timeout=60)
        assert reply.status_code == 404 and "Rubric not available" in reply.text and "Traceback" not in reply.text


def test_a_trainee_sees_their_own_history_and_comments_but_not_another_trainee_or_the_cockpit(browser, world):
    page = browser.new_page(viewport=WIDTHS["desktop"])
    watch = Watch(page)
    page.goto(world.signin_link(XSS_NAME))
    expect(page).to_have_url(f"{world.url}/me")
    expect(page.locator("h1")).to_have_text(XSS_NAME)
    charts_drawn(page)
    assert page.locator("#merge").count() == 0 and page.locator("#signin-link").count() == 0  # staff only
    shot(page, "my-practice-desktop")
    # their own practice transcript is readable to them
    page.goto(f"{world.url}/sessions/{world.sessions['mallory_practice']}")
    expect(page.locator(".turns")).to_contain_text(PRIVATE_WORDS)
    for path, secret in ((f"/sessions/{world.sessions['bob_assessment']}", "Bob's private words"),
                         ("/overview", "Trainee × criterion"), (f"/trainees/{world.people['bob']}", "Bob Other-Team")):
        response = page.goto(f"{world.url}{path}")
        assert response.status == 403, path
        assert secret not in page.content()
    shot(page, "trainee-forbidden-desktop")
    watch.clean()


def test_a_lead_cannot_read_a_practice_transcript_until_the_trainee_shares_it(world):
    lead = world.login("leo")
    practice = f"{world.url}/sessions/{world.sessions['mallory_practice']}"
    r = lead.get(practice, timeout=30)
    assert r.status_code == 403 and PRIVATE_WORDS not in r.text
    r = lead.get(f"{world.url}/sessions/{world.sessions['mallory_assessment']}", timeout=30)
    assert r.status_code == 200  # assessments are visible to the lead
    r = lead.get(f"{world.url}/sessions/{world.sessions['bob_assessment']}", timeout=30)
    assert r.status_code == 403 and "Bob's private words" not in r.text  # another team
    r = lead.get(f"{world.url}/trainees/{world.people['bob']}", timeout=30)
    assert r.status_code == 403 and "Bob Other-Team" not in r.text
    # the trainee shares it, then the lead can read it
    trainee = requests.Session()
    me = trainee.get(world.signin_link(XSS_NAME), timeout=30)
    assert me.status_code == 200
    page = trainee.get(practice, timeout=30)
    r = trainee.post(f"{practice}/share", data={"csrf": csrf_of(page.text), "shared": "1"}, timeout=30)
    assert r.status_code == 200
    r = lead.get(practice, timeout=30)
    assert r.status_code == 200 and PRIVATE_WORDS in r.text
    r = trainee.post(f"{practice}/share", data={"csrf": csrf_of(trainee.get(practice).text), "shared": "0"})
    assert r.status_code == 200
    assert lead.get(practice, timeout=30).status_code == 403


def test_a_form_without_its_csrf_token_is_refused(world):
    trainer = world.login("tina")
    session = f"{world.url}/sessions/{world.sessions['mallory_assessment']}"
    for data in ({"text": "no token"}, {"text": "wrong token", "csrf": "forged"}):
        r = trainer.post(f"{session}/comments", data=data, timeout=30)
        assert r.status_code == 403 and "security token" in r.text
    assert "no token" not in trainer.get(session, timeout=30).text
    anonymous = requests.post(f"{world.url}/login", data={"username": "tina", "password": PASSWORD}, timeout=30)
    assert anonymous.status_code == 403
    # another site's form, with this browser's cookie but not its token, is refused too
    r = trainer.post(f"{world.url}/people", data={"name": "Forged Person"}, timeout=30)
    assert r.status_code == 403


def test_a_lead_sees_only_their_team_on_the_overview(world):
    lead = world.login("leo")
    r = lead.get(f"{world.url}/overview", timeout=30)
    assert r.status_code == 200
    assert "Bob Other-Team" not in r.text and "Mallory" in r.text


@pytest.mark.parametrize("size", list(WIDTHS))
def test_a_trainer_assigns_in_the_browser_and_sees_each_trainees_status(browser, world, size):
    page, watch = sign_in(browser, world, "tina", size)
    page.click("header >> text=Assignments")
    expect(page.locator("h1")).to_have_text("Assignments")
    form = page.locator("#new-assignment")
    form.locator("select[name=persona]").select_option("price_increase_charlie")
    form.locator("select[name=difficulty]").select_option("normal")
    form.locator("input[name=due]").fill("2020-01-01")  # in the past: refused with a reason, nothing lost
    form.locator("label.check", has_text="Mallory").locator("input").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".error")).to_contain_text("past")
    form = page.locator("#new-assignment")
    form.locator("input[name=due]").fill((datetime.utcnow() + timedelta(days=7)).strftime("%Y-%m-%d"))
    form.locator("label.check", has_text="Mallory").locator("input").check()
    form.locator("label.check", has_text="Avery").locator("input").check()
    form.locator("button[type=submit]").click()
    table = page.locator("#assignment-status")
    expect(table).to_contain_text(XSS_NAME)
    expect(table).to_contain_text("not started")
    shot(page, f"assignment-{size}")
    page.goto(f"{world.url}/assignments")
    expect(page.locator("#assignments tbody tr")).not_to_have_count(0)
    shot(page, f"assignments-{size}")
    watch.clean()


def test_exports_download_as_csv_and_json_with_filters(browser, world):
    page, watch = sign_in(browser, world, "leo")  # a lead: only their team
    expect(page).to_have_url(f"{world.url}/overview")
    with page.expect_download() as download:
        page.click("#export button:has-text('CSV')")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("session_id,trainee,team,persona") and len(lines) > 10
    assert "Bob Other-Team" not in text and "Renewals" not in text
    lead = world.login("leo")
    r = lead.get(f"{world.url}/export/sessions.json", params={"trainee": XSS_NAME, "from": "2000-01-01"}, timeout=60)
    assert r.status_code == 200 and {s["trainee"] for s in r.json()["sessions"]} == {XSS_NAME}
    assert lead.get(f"{world.url}/export/sessions.csv", params={"from": "yesterday"}, timeout=30).status_code == 400
    assert requests.get(f"{world.url}/export/sessions.csv", timeout=30, allow_redirects=False).status_code == 302
    watch.clean()


def test_a_trainer_joins_a_slack_person_into_the_web_person_and_a_lead_cannot_reach_other_teams(world):
    from sqlalchemy.orm import sessionmaker

    from parley.cockpit import directory
    from parley.store import make_engine

    with sessionmaker(make_engine(world.db_url), future=True)() as s, s.begin():
        web = directory.add_person(s, "Zed Web", "Billing")
        slack = directory.add_person(s, "Slack UZED", slack_user_id="UZED")
        directory.link(s, slack, "slack:UZED")
        web_id, slack_id = web.id, slack.id
    lead = world.login("leo")
    page = lead.get(f"{world.url}/trainees/{web_id}", timeout=30)
    r = lead.post(f"{world.url}/trainees/{web_id}/merge", data={"csrf": csrf_of(page.text),
                                                                 "other": world.people["bob"]}, timeout=30)
    assert r.status_code == 403 and "Bob Other-Team" not in r.text
    trainer = world.login("tina")
    page = trainer.get(f"{world.url}/trainees/{web_id}", timeout=30)
    assert 'id="merge"' in page.text
    r = trainer.post(f"{world.url}/trainees/{web_id}/merge", data={"csrf": csrf_of(page.text), "other": slack_id},
                     timeout=30)
    assert r.status_code == 200 and r.url.endswith(f"/trainees/{web_id}")
    assert trainer.get(f"{world.url}/trainees/{slack_id}", timeout=30).status_code == 404


def test_the_cockpit_deletes_old_transcripts_after_the_retention_period_and_keeps_scores(tmp_path, personas):
    import os
    import subprocess
    import sys
    import time

    from sqlalchemy import func, select, update
    from sqlalchemy.orm import sessionmaker

    from parley.accounts_store import CriterionScore
    from parley.moves import detect
    from parley.session import Trainer
    from parley.store import Store, TrainingSession, Turn
    from tests.e2e.conftest import free_port

    url = f"sqlite:///{tmp_path / 'retention.db'}"
    store = Store(url)
    trainer = Trainer(personas, store, detect)
    trainer.start("old-timer", "price_increase_charlie", "normal", "assessment")
    trainer.turn("old-timer", "Sorry about the rise, Charlie.")
    trainer.end("old-timer")
    db = sessionmaker(store.engine, future=True)
    with db() as s, s.begin():
        s.execute(update(TrainingSession).values(ended_at=datetime.utcnow() - timedelta(days=45)))
    port = free_port()
    env = {**os.environ, "PARLEY_RETENTION_DAYS": "30", "PARLEY_RETENTION_CHECK_SECONDS": "1",
           "PARLEY_SECRET_KEY": "retention"}
    proc = subprocess.Popen([sys.executable, "-m", "parley_web", "--port", str(port), "--db-url", url], cwd=ROOT,
                            env=env, stdout=(tmp_path / "log").open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with db() as s:
                turns = s.execute(select(func.count()).select_from(Turn)).scalar_one()
            if turns == 0:
                break
            time.sleep(1)
        assert turns == 0, (tmp_path / "log").read_text()[-2000:]
        with db() as s:
            assert s.execute(select(func.count()).select_from(CriterionScore)).scalar_one() == 7  # scores kept
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_repeated_wrong_passwords_lock_the_account_for_a_while(world):
    from sqlalchemy.orm import sessionmaker

    from parley.cockpit import directory
    from parley.store import make_engine

    with sessionmaker(make_engine(world.db_url), future=True)() as s, s.begin():
        directory.add_account(s, "lucy", PASSWORD, "trainer")
    http = requests.Session()
    codes = []
    for password in ["wrong"] * 5 + [PASSWORD]:
        csrf = csrf_of(http.get(f"{world.url}/login", timeout=30).text)
        r = http.post(f"{world.url}/login", data={"csrf": csrf, "username": "lucy", "password": password},
                      timeout=30)
        codes.append(r.status_code)
    assert codes == [401] * 5 + [429]  # even the right password waits
    assert "Too many wrong passwords" in r.text
