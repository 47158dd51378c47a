"""The trainee page in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against
the real page server, Rasa server (socket.io channel) and action server.

Screenshots go to test-artifacts/ (git-ignored).  Waits use Playwright locators only: the page's
Content-Security-Policy forbids eval, which `page.wait_for_function` would need.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest
import requests
import yaml

from tests.e2e.conftest import ROOT, free_port, wait_until

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"
SEED = yaml.safe_load((Path(__file__).parent / "conversations" / "charlie_seed_000.yml").read_text())
TURN_TIMEOUT = 90_000  # ms; two shared cores and a cold model can be slow
BOT = ".rw-response .rw-message-text"  # a customer message (the typing indicator is a .rw-response too)
XSS = "window.__parley_xss"
MARKUP = [
    f'<img src=x onerror="{XSS}=1;alert(1)">',
    f"<script>{XSS}=2</script> I can offer $23.",
    f'<svg onload="{XSS}=3"></svg> [click me](javascript:{XSS}=4) **bold**',
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `bash scripts/system-deps.sh` (apt-get install chromium chromium-driver)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Watch:
    """Dialogs and uncaught errors on a page; any dialog means some markup ran as script."""

    def __init__(self, page: Page):
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def new_page(browser: Browser) -> tuple[Page, Watch]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TURN_TIMEOUT)
    return page, Watch(page)


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def start(page: Page, url: str, persona: str, difficulty: str = "normal", mode: str = "practice") -> None:
    response = page.goto(url)
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "default-src 'none'" in csp
    page.locator(f'label[data-persona="{persona}"]').click()
    page.locator(f'input[name="difficulty"][value="{difficulty}"]').check()
    page.locator(f'input[name="mode"][value="{mode}"]').check()
    page.locator("#start").click()
    expect(page.locator("#briefing .persona-heading")).to_be_visible()
    expect(page.locator(BOT).first).to_be_visible()  # the customer's opening line


def type_turn(page: Page, text: str) -> None:
    """Types into the widget like a trainee and waits for the customer's next message."""
    answered = page.locator(BOT).count()
    box = page.locator(".rw-new-message")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".rw-client").last).to_contain_text(text.split()[0])
    expect(page.locator(BOT)).to_have_count(answered + 1, timeout=TURN_TIMEOUT)


def xss_flag(page: Page):
    return page.evaluate(f"() => {XSS}")


@pytest.mark.e2e
def test_trainee_plays_the_seed_dialogue_with_charlie_in_the_browser(browser: Browser, web_page: str) -> None:
    page, watch = new_page(browser)
    page.goto(web_page)
    # the picker is filled from the persona list the page fetches after it loads: wait for it
    page.wait_for_function("() => document.querySelectorAll('.persona-name').length >= 3")
    names = page.locator(".persona-name").all_inner_texts()
    assert {"Charlie", "Dana", "Jordan"} <= set(names)
    shot(page, "web-1-picker")
    start(page, web_page, "price_increase_charlie")

    briefing = page.locator("#briefing")
    expect(briefing).to_contain_text("Charlie")
    expect(briefing).to_contain_text("$22 per cartridge")  # the company's floor, from the briefing payload
    expect(briefing.locator(".extras li")).to_have_count(3)
    expect(page.locator("#coach-mode")).to_contain_text("Practice mode")
    assert "BRIEFING" not in page.locator(".rw-messages-container").inner_text()  # the card replaces the text
    shot(page, "web-2-briefing")

    for i, line in enumerate(SEED["turns"], 1):
        type_turn(page, " ".join(line.split()))
        expect(page.locator("#feedback-list > li")).to_have_count(i)  # live coaching in practice mode
    first = page.locator("#feedback-list > li").first
    expect(first.locator(".chip")).to_contain_text(["empathy"])
    shot(page, "web-3-feedback")

    report = page.locator("#report")
    expect(report).to_be_visible()
    outcome = page.locator("#outcome")
    expect(outcome).to_have_attribute("data-deal", "yes")
    expect(outcome).to_contain_text("Deal at $23 per cartridge")
    expect(outcome).to_contain_text("Within your limits")
    expect(page.locator("#criteria > li")).to_have_count(7)
    values = [int(v) for v in page.locator("#criteria [role=meter]").evaluate_all(
        "bars => bars.map(b => b.getAttribute('aria-valuenow'))")]
    assert len(values) == 7 and all(0 <= v <= 100 for v in values)
    assert int(page.locator("#overall-score").inner_text()) >= SEED["expect"]["overall_at_least"]
    quoted = page.locator("#turns blockquote").all_inner_texts()
    assert [" ".join(q.split()) for q in quoted] == [" ".join(t.split()) for t in SEED["turns"]]
    expect(page.locator("#turns .feedback-text").first).not_to_be_empty()
    assert page.locator("#plan > li").count() >= 1
    expect(page.locator("#end-session")).to_be_disabled()
    assert "SESSION REPORT" not in page.locator(".rw-messages-container").inner_text()
    shot(page, "web-4-report")

    page.locator("#again").click()
    expect(page.locator("#picker")).to_be_visible()
    expect(page.locator("#report")).to_be_hidden()
    assert watch.errors == [] and watch.dialogs == []
    page.close()


@pytest.mark.e2e
def test_markup_typed_by_the_trainee_is_shown_never_run(browser: Browser, web_page: str) -> None:
    page, watch = new_page(browser)
    start(page, web_page, "price_increase_charlie", mode="assessment")
    expect(page.locator("#coach-mode")).to_contain_text("Assessment mode")
    for text in MARKUP:
        type_turn(page, text)
    expect(page.locator("#feedback-list > li")).to_have_count(0)  # assessment: no coaching during the chat
    if page.locator("#report").is_hidden():  # Charlie may have walked away by now
        page.locator("#end-session").click()  # sends /end_session through the widget
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("#turns blockquote")).to_have_count(len(MARKUP))

    quoted = page.locator("#turns blockquote").all_inner_texts()
    assert quoted == MARKUP  # the trainee's words, character for character, as text
    bubbles = page.locator(".rw-client").all_inner_texts()
    assert any("<img src=x onerror=" in b for b in bubbles)
    assert page.locator("img[src='x'], svg[onload], a[href^='javascript:']").count() == 0
    assert page.locator("script:not([src])").count() == 0
    assert xss_flag(page) is None and watch.dialogs == [] and watch.errors == []
    shot(page, "web-5-markup-typed")
    page.close()


@pytest.mark.e2e
def test_markup_in_persona_files_and_payloads_is_shown_never_run(browser: Browser, web_page: str,
                                                                 tmp_path: Path) -> None:
    # a trainer's persona file with markup in what the picker shows
    persona = yaml.safe_load((ROOT / "personas" / "price_increase_charlie.yml").read_text())
    persona["name"] = f'<img src=x onerror="{XSS}=10">Charlie'
    persona["title"] = f"<script>{XSS}=11</script> Charlie & co"
    persona["briefing"]["customer"] = f'<iframe src="javascript:{XSS}=12"></iframe> runs a print shop'
    folder = tmp_path / "personas"
    folder.mkdir()
    (folder / "price_increase_charlie.yml").write_text(yaml.safe_dump(persona, sort_keys=False))
    port = free_port()
    log = tmp_path / "web.log"
    server = subprocess.Popen([sys.executable, str(ROOT / "web" / "server.py"), "--port", str(port), "--personas",
                               str(folder), "--socket-url", "http://127.0.0.1:9", "--quiet"], cwd=ROOT,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: requests.get(url + "personas.json", timeout=2).ok, 60, "page server", [server], [log])
        page, watch = new_page(browser)
        page.goto(url)
        card = page.locator('label[data-persona="price_increase_charlie"]')
        expect(card.locator(".persona-name")).to_have_text(persona["name"])
        expect(card.locator(".persona-title")).to_have_text(persona["title"])
        expect(card.locator(".persona-about")).to_contain_text("<iframe src=")

        # every payload kind through the handler the widget's socket calls, markup in every field
        bad = f'<img src=x onerror="{XSS}=20;alert(20)">'
        page.evaluate("""bad => {
          const briefing = {name: bad, title: bad, difficulty: bad, mode: bad, customer: bad, situation: bad,
                            goal: bad, product: bad, unit: bad, currency: bad, list_price: bad, previous_price: 20,
                            monthly_volume: bad, floor_price: 22, tradables: [bad, bad]};
          window.Parley.receive({text: bad, custom: {briefing}});
          window.Parley.receive({custom: {turn_feedback: {moves: [bad], points: bad, tip: bad, feedback: bad}}});
          window.Parley.receive({custom: {report: {overall: bad, persona: bad, difficulty: bad,
            criteria: {rapport: 50, [bad]: 70}, criteria_names: {rapport: bad},
            outcome: {deal: true, price: bad, terms: [bad], within_parameters: true, customer_retained: true,
                      satisfaction: bad, ended_by: bad, trust: 10},
            turns: [{text: bad, moves: [bad], points: 3, feedback: bad}], improvement_plan: [bad],
            hidden: {interests: {[bad]: bad}, revealed: [bad], batna: bad}}}});
        }""", bad)
        page.locator("#session").evaluate("el => { el.hidden = false; }")
        expect(page.locator("#report")).to_be_visible()
        expect(page.locator("#briefing .persona-heading")).to_have_text(bad)
        expect(page.locator("#feedback-list .tip")).to_have_text(bad)
        expect(page.locator("#turns blockquote")).to_have_text(bad)
        expect(page.locator("#plan li")).to_have_text(bad)
        expect(page.locator("#criteria .label").first).to_have_text(bad)
        assert page.locator("img[src='x'], iframe, script:not([src])").count() == 0
        assert xss_flag(page) is None and watch.dialogs == [] and watch.errors == []
        shot(page, "web-6-markup-in-payloads")
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_page_server_serves_a_fixed_list_of_files_with_a_strict_policy(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "web.log"
    server = subprocess.Popen([sys.executable, str(ROOT / "web" / "server.py"), "--port", str(port), "--rasa-port",
                               "5999", "--quiet"], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(url + "/personas.json", timeout=2).ok, 60, "page server", [server], [log])
        catalog = requests.get(url + "/personas.json", timeout=5).json()
        ids = {p["id"] for p in catalog["personas"]}
        assert {"price_increase_charlie", "loyal_customer", "competitor_switcher"} <= ids
        assert catalog["difficulties"] == ["easy", "normal", "hard"]
        assert all("hidden" not in json.dumps(p) and "reservation" not in json.dumps(p) for p in catalog["personas"])
        config = requests.get(url + "/config.json", headers={"Host": "trainer.example:8080"}, timeout=5).json()
        assert config["socket_url"] == "http://trainer.example:5999"  # Rasa on the host the page came from
        page = requests.get(url + "/", timeout=5)
        csp = page.headers["Content-Security-Policy"]
        assert re.search(r"script-src 'self';", csp) and "connect-src 'self' http://127.0.0.1:5999" in csp
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script>" not in page.text and not re.search(r"<[^>]+\son[a-z]+=", page.text)  # no inline script
        assert requests.get(url + "/vendor/rasa-webchat.js", timeout=5).status_code == 200
        for path in ("/../credentials.yml", "/web/server.py", "/node_modules/rasa-webchat/package.json",
                     "/static/app.js"):
            assert requests.get(url + path, timeout=5).status_code == 404, path
    finally:
        server.terminate()
        server.wait(timeout=10)
