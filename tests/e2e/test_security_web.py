"""Issue 13 in headless Chromium: a page on another origin cannot drive the trainer (the README's promise
that browsers may call Rasa only from the trainee page), and the trainee page's own limits and wording."""

from __future__ import annotations

import functools
import json
import threading
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from parley.text import MAX_MESSAGE_CHARS
from tests.e2e.conftest import Stack, free_port
from tests.e2e.test_security import session_status
from tests.e2e.test_web import BOT, browser, chat_text, new_page, shot, start, type_turn  # noqa: F401

pytestmark = pytest.mark.e2e

FOREIGN_PAGE = """<!doctype html><html><body><h1>Not the trainee page</h1><pre id="log"></pre><script>
const rasa = %(rasa)s, sender = %(sender)s, out = document.getElementById('log');
window.results = {};
function note(key, value) { window.results[key] = value; out.textContent += key + ': ' + value + '\\n'; }
// 1. a "simple" request the browser sends without asking: text/plain, no-cors
fetch(rasa + '/webhooks/rest/webhook', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'},
  body: JSON.stringify({sender: sender, message: '/start_session{"persona": "price_increase_charlie"}'})})
  .then(() => note('no_cors_post', 'sent'), e => note('no_cors_post', 'failed ' + e));
// 2. socket.io over a WebSocket, as the widget would, from this origin
const ws = new WebSocket(rasa.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket');
ws.onopen = () => { note('websocket', 'open'); ws.send('40'); };
ws.onmessage = (m) => {
  if (String(m.data).startsWith('40')) ws.send('42' + JSON.stringify(['user_uttered',
      {message: '/start_session{"persona": "price_increase_charlie"}'}]));
  if (String(m.data).indexOf('bot_uttered') >= 0) note('bot_uttered', String(m.data).slice(0, 120));
};
ws.onerror = () => note('websocket', 'refused');
// 3. socket.io long-polling with CORS
fetch(rasa + '/socket.io/?EIO=4&transport=polling').then(r => r.text()).then(
  t => note('polling', 'read ' + t.slice(0, 40)), e => note('polling', 'blocked'));
</script></body></html>"""


@pytest.fixture()
def foreign_site(tmp_path: Path, stack: Stack):
    """A web page on an origin Rasa's CORS does not allow (another port of this machine)."""
    sender = f"foreign-{uuid.uuid4().hex[:8]}"
    (tmp_path / "index.html").write_text(FOREIGN_PAGE % {"rasa": json.dumps(stack.rasa_url),
                                                         "sender": json.dumps(sender)})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()),
                                 functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html", sender
    finally:
        server.shutdown()
        server.server_close()


def test_3_a_page_on_another_origin_cannot_drive_the_trainer(browser: Browser, stack: Stack,  # noqa: F811
                                                             foreign_site) -> None:
    url, sender = foreign_site
    page, _ = new_page(browser)
    page.goto(url)
    page.wait_for_function("() => ['no_cors_post', 'websocket', 'polling'].every(k => k in window.results)",
                           timeout=60_000)
    page.wait_for_timeout(3000)  # time for a briefing, were one to come
    results = page.evaluate("() => window.results")
    shot(page, "security-foreign-origin")
    assert results["websocket"] == "refused" and "bot_uttered" not in results, results
    assert results["polling"] == "blocked", results
    assert session_status(stack, sender) == []  # the no-cors POST reached no conversation
    page.close()


def test_7_the_page_keeps_a_running_session_and_limits_the_input(browser: Browser, web_page: str) -> None:  # noqa: F811
    page, watch = new_page(browser)
    start(page, web_page, "price_increase_charlie")
    assert page.locator(".rw-new-message").get_attribute("maxlength") == str(MAX_MESSAGE_CHARS)
    type_turn(page, '/start_session{"persona": "nobody_here"}')
    last = page.locator(BOT).last.inner_text()
    assert "There is no persona called 'nobody_here'" in last and "session goes on" in last, last
    assert "No practice session is running" not in chat_text(page)
    type_turn(page, "I'm sorry about the surprise, Charlie. What would make this work for you?")
    shot(page, "security-page-session-goes-on")
    assert watch.errors == [] and watch.dialogs == []
    page.close()
