"""The trainee page in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against
the real page server, Rasa server (socket.io channel) and action server.

Screenshots go to test-artifacts/ (git-ignored).  Waits use Playwright locators only: the page's
Content-Security-Policy forbids eval, which `page.wait_for_function` would need.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator, List

import pytest
import requests
import yaml

from tests.e2e.conftest import ROOT, Stack, free_port, wait_until

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"
SEED = yaml.safe_load((Path(__file__).parent / "conversations" / "charlie_seed_000.yml").read_text())
TURN_TIMEOUT = 90_000  # ms; two shared cores and a cold model can be slow
BOT = ".rw-response .rw-message-text"  # a customer message (the typing indicator is a .rw-response too)
BOX = ".rw-new-message"  # the widget's message input
END_BUTTON = "End session and get my report"
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


def type_with_keyboard(page: Page, text: str) -> None:
    """Types where the keyboard focus is, as a keyboard-only trainee would, and waits for the reply."""
    answered = page.locator(BOT).count()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client").last).to_contain_text(text.split()[0])
    expect(page.locator(BOT)).to_have_count(answered + 1, timeout=TURN_TIMEOUT)


def chat_text(page: Page) -> str:
    return page.locator(".rw-messages-container").inner_text()


def page_server(tmp_path: Path, socket_url: str, port: int = 0) -> tuple[subprocess.Popen, str]:
    """A page server of the test's own; a page that must reach Rasa needs a port Rasa's CORS allows."""
    port = port or free_port()
    log = tmp_path / "web.log"
    server = subprocess.Popen([sys.executable, str(ROOT / "web" / "server.py"), "--port", str(port), "--socket-url",
                               socket_url, "--quiet"], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_until(lambda: requests.get(url + "personas.json", timeout=2).ok, 60, "page server", [server], [log])
    return server, url


class Forwarder:
    """A TCP relay on `port` to the real Rasa server: up and down at will, as if Rasa started or stopped."""

    def __init__(self, port: int, target_port: int):
        self.port, self.target_port = port, target_port
        self.listener: socket.socket | None = None
        self.conns: List[socket.socket] = []
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        with self.lock:
            conns, self.conns = self.conns, []
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for conn in (source, sink):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


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
    expect(page.locator(BOX)).to_be_focused()  # the trainee can type straight away, no click needed

    for i, line in enumerate(SEED["turns"], 1):
        if i == 1:
            type_with_keyboard(page, " ".join(line.split()))
        else:
            type_turn(page, " ".join(line.split()))
        expect(page.locator("#feedback-list > li")).to_have_count(i)  # live coaching in practice mode
        if i == 2:  # Charlie accepts $23: the wrap-up hint points at the page's button, not at a command
            hint = page.locator(BOT).filter(has_text="Deal agreed at $23")
            expect(hint).to_contain_text(f"Or press \u201c{END_BUTTON}\u201d below the chat.")
            assert "/end_session" not in chat_text(page)
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
    expect(page.locator("#batna")).to_contain_text("The most they would have paid before any need was met: $")
    expect(page.locator("#end-session")).to_be_disabled()
    assert "SESSION REPORT" not in page.locator(".rw-messages-container").inner_text()
    shot(page, "web-4-report")

    # typing after the report: the server's answer names /start_session; the page points at Start again
    type_turn(page, "Hello? Anything else?")
    expect(page.locator(BOT).last).to_contain_text("This session is over")
    expect(page.locator(BOT).last).to_contain_text("\u201cStart again\u201d")
    assert "/start_session" not in chat_text(page)
    shot(page, "web-4b-after-report")

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


@pytest.mark.e2e
def test_an_unreachable_trainer_is_reported_up_front_retried_and_its_buttons_disabled(
        browser: Browser, stack: Stack, tmp_path: Path) -> None:
    rasa_port = int(stack.rasa_url.rsplit(":", 1)[1])
    relay = Forwarder(free_port(), rasa_port)  # "Rasa" for this page: nothing listens there yet
    trainer = f"http://127.0.0.1:{relay.port}"
    server, url = page_server(tmp_path, trainer, stack.spare_web_port)
    try:
        page, watch = new_page(browser)
        page.set_default_timeout(20_000)
        page.goto(url)
        down = page.locator("#trainer-down")
        expect(down).to_be_visible()  # before any click
        expect(down).to_contain_text(f"Cannot reach the trainer at {trainer}.")
        expect(page.locator(".persona-name").first).to_be_visible()
        expect(page.locator("#start")).to_be_disabled()
        expect(page.locator("#end-session")).to_be_disabled()
        shot(page, "web-7-trainer-down")

        relay.up()  # Rasa comes up: the page notices by itself (it retries every 5 s, plus the probe's own time)
        expect(down).to_be_hidden(timeout=20_000)
        expect(page.locator("#start")).to_be_enabled()

        relay.down()  # ... and goes away again before Start: the page stays on the picker and says so
        page.locator("#start").click()
        expect(down).to_be_visible()
        expect(page.locator("#picker")).to_be_visible()
        expect(page.locator("#session")).to_be_hidden()
        expect(page.locator("#start")).to_be_disabled()

        relay.up()
        page.locator("#retry").click()  # no need to wait for the next automatic try
        expect(down).to_be_hidden()
        page.locator('label[data-persona="price_increase_charlie"]').click()
        page.locator("#start").click()
        expect(page.locator("#briefing .persona-heading")).to_be_visible(timeout=TURN_TIMEOUT)
        expect(page.locator(BOT).first).to_be_visible(timeout=TURN_TIMEOUT)
        expect(page.locator(BOX)).to_be_focused()
        expect(page.locator("#end-session")).to_be_enabled()

        relay.down()  # Rasa stops mid-session: End session cannot work, so it is disabled
        expect(page.locator("#end-session")).to_be_disabled()
        expect(page.locator("#status")).to_contain_text(re.compile("Connection to the trainer lost|Cannot reach"))
        shot(page, "web-8-trainer-lost")

        # the widget reconnects by itself, but the channel has no session persistence: a new socket is a
        # new conversation, so the page says the session is lost and offers a fresh start
        relay.up()
        expect(page.locator("#status")).to_contain_text("Reconnected", timeout=60_000)
        expect(page.locator("#session-lost")).to_be_visible()
        expect(page.locator("#end-session")).to_be_disabled()
        type_turn(page, "Hello again, Charlie?")  # the trainer no longer knows this conversation
        expect(page.locator(BOT).last).to_contain_text("lost when the connection dropped")
        assert "/start_session" not in chat_text(page)
        shot(page, "web-9-session-lost")
        page.locator("#restart").click()
        expect(page.locator("#picker")).to_be_visible()
        expect(page.locator("#start")).to_be_enabled()
        assert watch.errors == [] and watch.dialogs == []
        page.close()
    finally:
        relay.down()
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.e2e
def test_command_hints_from_the_server_are_reworded_for_the_page(browser: Browser, tmp_path: Path) -> None:
    server, url = page_server(tmp_path, "http://127.0.0.1:9")
    try:
        page, watch = new_page(browser)
        page.goto(url)
        expect(page.locator(".persona-name").first).to_be_visible()
        reworded = page.evaluate("""texts => texts.map(text => {
          const message = {text};
          window.Parley.receive(message);  // the widget draws message.text after this hook
          return message.text;
        })""", [
            "(Deal agreed at $23. Your next message is your last to Charlie; or send /end_session for your report.)",
            "Sorry, I didn't catch that. <b>Type /end_session</b>",
            'There is no session to end. Start a new one with /start_session{"persona": "price_increase_charlie"}.',
            "I can do $23, send me the details.",
        ])
        assert reworded[0] == ("(Deal agreed at $23. Your next message is your last to Charlie; "
                               f"or press \u201c{END_BUTTON}\u201d below the chat.)")
        assert reworded[1] == f"Sorry, I didn't catch that. <b>Press \u201c{END_BUTTON}\u201d below the chat</b>"
        assert "/start_session" not in reworded[2] and "Reload the page" in reworded[2]
        assert reworded[3] == "I can do $23, send me the details."  # everything else is left alone
        assert watch.errors == [] and watch.dialogs == []
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_picker_shows_persona_edits_without_a_restart(tmp_path: Path) -> None:
    import os
    import time

    personas = tmp_path / "personas"
    personas.mkdir()
    shutil.copy(ROOT / "personas" / "loyal_customer.yml", personas / "loyal_customer.yml")
    port = free_port()
    log = tmp_path / "web.log"
    server = subprocess.Popen([sys.executable, str(ROOT / "web" / "server.py"), "--port", str(port), "--personas",
                               str(personas), "--quiet"], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/personas.json"
    try:
        wait_until(lambda: requests.get(url, timeout=2).ok, 60, "page server", [server], [log])
        assert [p["title"] for p in requests.get(url, timeout=5).json()["personas"]][0].startswith("Dana - ")
        loyal = personas / "loyal_customer.yml"
        loyal.write_text(loyal.read_text().replace('title: "Dana - ', 'title: "Dana (edited) - '))
        later = time.time() + 5
        os.utime(loyal, (later, later))
        shutil.copy(ROOT / "personas" / "price_increase_charlie.yml", personas / "price_increase_charlie.yml")
        catalog = requests.get(url, timeout=5).json()["personas"]
        assert {p["id"] for p in catalog} == {"loyal_customer", "price_increase_charlie"}
        assert next(p for p in catalog if p["id"] == "loyal_customer")["title"].startswith("Dana (edited) - ")
    finally:
        server.terminate()
        server.wait(timeout=10)
