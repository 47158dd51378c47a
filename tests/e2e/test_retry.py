"""Retry from this turn, end to end: the session contract's `/retry_from_turn{"turn": N}` over REST
against the real Rasa and action servers, and the report's "Retry from turn N" button on the trainee
page in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect  # noqa: E402  (imported after test_web checks playwright)

from tests.e2e.conftest import Conversation, Stack
from tests.e2e.test_web import BOT, END_BUTTON, browser, new_page, shot, start, type_turn  # noqa: F401

CAVER = ["The increase isn't my decision, Charlie, I just work here.",
         "Everyone's prices went up this year, it's the same everywhere.",  # no blame: see docs/evaluator.md
         "Please don't leave. I can do $22.",  # a first leap to the floor: Charlie pushes once (W6)
         "Fine, I'll set it up.",  # holding at $22 gets the yes
         "Thanks Charlie, I'll send it over today."]  # the wrap-up turn: the report follows
BETTER = "I'm sorry this landed on you, Charlie. What would make staying work for you?"


def customer_lines(replies: list) -> list:
    return [t for t in Conversation.texts(replies) if not t.startswith(("(", "SESSION REPORT", "BRIEFING"))]


def test_retry_from_turn_over_rest_replays_the_session_and_lets_the_trainee_try_again(stack: Stack) -> None:
    chat = stack.conversation("price_increase_charlie")
    said = [customer_lines(chat.send(line))[0] for line in CAVER]
    report = chat.payload("report")
    assert report is not None and report["overall"] <= 25
    moment = next(m for m in report["moments"] if m["turn"] == 3)
    assert moment["retry"] == '/retry_from_turn{"turn": 3}' and "caving under pressure" in moment["why"]
    assert moment["better_line"] and "Charlie" in moment["better_line"]

    replies = chat.send(moment["retry"])
    retry = chat.payload("retry", replies)
    assert retry is not None and retry["from_turn"] == 3 and retry["previous"] == CAVER[2]
    # the same customer, the same words: turns 1-2 replayed exactly as the customer answered them before
    assert [r["customer"] for r in retry["replayed"]] == said[:2]
    assert [r["you"] for r in retry["replayed"]] == CAVER[:2]
    assert retry["better_line"] == moment["better_line"]
    assert chat.payload("briefing", replies)["persona"] == "price_increase_charlie"
    assert any(t.startswith("(Replaying your session with Charlie up to turn 3") for t in Conversation.texts(replies))

    again = chat.send(BETTER)  # turn 3, said better this time
    assert customer_lines(again) and chat.payload("report", again) is None
    end = chat.send("/end_session")
    second = chat.payload("report", end)
    assert [t["text"] for t in second["turns"]] == CAVER[:2] + [BETTER]
    assert second["session_id"] != report["session_id"]
    assert second["overall"] is None or second["overall"] != report["overall"] or \
        second["criteria"] != report["criteria"]


def test_retry_from_a_turn_that_does_not_exist_gets_a_clear_answer_and_changes_nothing(stack: Stack) -> None:
    chat = stack.conversation("loyal_customer")
    chat.send("Hi Dana, thank you for eight years with us.")
    for bad in ('/retry_from_turn{"turn": 7}', '/retry_from_turn{"turn": "x"}', "/retry_from_turn"):
        replies = chat.send(bad)
        assert any("There is no turn" in t for t in Conversation.texts(replies)), replies
        assert chat.payload("retry", replies) is None
    nobody = stack.conversation()
    replies = nobody.send('/retry_from_turn{"turn": 1}')
    assert any("There is no session to retry yet" in t for t in Conversation.texts(replies))
    still = chat.send("What matters most to you in the renewal?")  # the running session was not disturbed
    assert customer_lines(still)


@pytest.mark.usefixtures("stack")
def test_the_report_page_retries_from_a_costly_turn_in_the_browser(browser: Browser, web_page: str) -> None:  # noqa: F811
    page, watch = new_page(browser)
    start(page, web_page, "price_increase_charlie")
    opening = page.locator(BOT).first.inner_text()
    replies = []
    for line in CAVER[:3]:
        type_turn(page, line)
        replies.append(page.locator(BOT).last.inner_text())
    page.get_by_role("button", name=END_BUTTON).click()
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("#criteria li.not-shown").first).to_contain_text("not shown")
    buttons = page.locator("#plan .retry-turn")
    expect(buttons.first).to_be_visible()
    expect(page.locator("#plan li.moment").first).to_contain_text("Try instead")
    assert "/retry_from_turn" not in page.locator("#plan").inner_text()  # a button here, not a command
    shot(page, "web-retry-1-report")
    turn = int(page.locator("#plan .retry-turn[data-turn='3']").get_attribute("data-turn"))
    answered = page.locator(BOT).count()
    page.locator(f"#plan .retry-turn[data-turn='{turn}']").click()
    expect(page.locator(BOT)).not_to_have_count(answered)
    expect(page.locator(".rw-messages-container")).to_contain_text("Replaying your session with Charlie up to turn 3")
    expect(page.locator("#report")).to_be_hidden()
    expect(page.locator("#feedback-list .retry-note")).to_contain_text("Retry from turn 3")
    expect(page.locator("#end-session")).to_be_enabled()
    # the replayed script: the same opening and the same answers as the first time
    expect(page.locator(BOT).filter(has_text="Last time you said")).to_be_visible()
    chat = page.locator(".rw-messages-container").inner_text()
    replay = chat[chat.index("Replaying your session"):]
    expected = [f"Charlie: {opening}", f"You: {CAVER[0]}", f"Charlie: {replies[0]}", f"You: {CAVER[1]}",
                f"Charlie: {replies[1]}"]
    at = [replay.find(line) for line in expected]
    assert -1 not in at and at == sorted(at), (expected, replay)
    shot(page, "web-retry-2-replayed")
    type_turn(page, BETTER)
    page.get_by_role("button", name=END_BUTTON).click()
    expect(page.locator("#report")).to_be_visible()
    quoted = [" ".join(q.split()) for q in page.locator("#turns blockquote").all_inner_texts()]
    assert quoted == CAVER[:2] + [BETTER]
    shot(page, "web-retry-3-second-report")
    assert watch.errors == [] and watch.dialogs == []
    page.close()
