"""A whole session through the plain-Python core: contract replies, bad input, storage, report."""

from __future__ import annotations

from typing import Dict

import pytest

from parley.moves import detect
from parley.personas import Persona
from parley.session import Trainer
from parley.store import Store

SEED_TURNS = [
    "Thank you for reaching out Charlie. I'm sorry to hear you're upset. I can see that you've been a loyal "
    "customer of ours for five years, which I'd like to take the time to thank you for. We really appreciate "
    "your business.",
    "I understand Charlie. In appreciation of your long-term support of our business, we'd like to offer the price "
    "of $23/unit; a $2 saving on our regular cost. I've done a quick calculation based on your regular monthly "
    "shipment - this discount will save you $3,600 per year. Does this sound reasonable to you?",
]
WRAP_UP = "Great, I'll set $23 a cartridge from your next order and email you the new terms today."


@pytest.fixture()
def trainer(personas: Dict[str, Persona], tmp_path) -> Trainer:
    return Trainer(personas, Store(f"sqlite:///{tmp_path / 'parley.db'}"), detect)


def test_start_sends_briefing_text_payload_then_opening(trainer: Trainer, charlie: Persona) -> None:
    reply = trainer.start("u1", "price_increase_charlie", "hard", "assessment")
    assert [list(m) for m in reply.messages] == [["text"], ["custom"], ["text"]]
    briefing = reply.payload("briefing")
    assert briefing["difficulty"] == "hard" and briefing["mode"] == "assessment"
    assert briefing["list_price"] == 25 and briefing["floor_price"] == 22
    assert "lowest price you may offer $22" in reply.texts[0]
    assert "They buy about 150 cartridges a month." in reply.texts[0]
    assert reply.texts[1] in charlie.opening and reply.active


def test_unknown_difficulty_and_mode_fall_back_to_defaults_and_say_so(trainer: Trainer) -> None:
    reply = trainer.start("u1", "loyal_customer", "nightmare", "exam")
    briefing = reply.payload("briefing")
    assert briefing["difficulty"] == "normal" and briefing["mode"] == "practice"
    assert "no difficulty 'nightmare'" in reply.texts[0] and "no mode 'exam'" in reply.texts[0]


def test_difficulty_and_mode_are_read_whatever_the_case(trainer: Trainer) -> None:
    reply = trainer.start("u1", "loyal_customer", "HARD", " Assessment")
    assert reply.payload("briefing")["difficulty"] == "hard" and reply.payload("briefing")["mode"] == "assessment"
    assert not reply.texts[0].startswith("(")


def test_assessment_mode_says_a_deal_was_agreed_but_not_how_to_score(trainer: Trainer) -> None:
    trainer.start("a", "price_increase_charlie", mode="assessment")
    trainer.turn("a", SEED_TURNS[0])
    agreed = trainer.turn("a", SEED_TURNS[1])
    assert agreed.texts[-1].startswith("(Deal agreed at $23.") and "confirm the terms" not in agreed.texts[-1]


def test_seed_dialogue_closes_at_23_with_a_high_score(trainer: Trainer) -> None:
    trainer.start("u1", "price_increase_charlie")
    first = trainer.turn("u1", SEED_TURNS[0])
    assert {"empathy", "appreciation"} <= set(first.payload("turn_feedback")["moves"])
    assert "stay" in first.texts[0]  # he admits he would stay with some compromise
    agreed = trainer.turn("u1", SEED_TURNS[1])
    assert "Deal" in agreed.texts[0] and agreed.active and not agreed.ended  # agree, then close
    assert agreed.texts[-1].startswith("(Deal agreed at $23. Wrap up with one more message")
    final = trainer.turn("u1", WRAP_UP)
    report = final.payload("report")
    assert final.ended and not final.active
    assert report["outcome"]["deal"] and report["outcome"]["price"] == 23
    assert report["outcome"]["within_parameters"] and report["overall"] >= 75
    assert report["criteria"]["closing"] == 100  # the wrap-up confirmed terms and next steps
    assert final.texts[-1].startswith("SESSION REPORT")


def test_a_deal_left_without_a_wrap_up_is_still_reported(trainer: Trainer) -> None:
    trainer.start("u1", "price_increase_charlie")
    for line in SEED_TURNS:
        trainer.turn("u1", line)
    ended = trainer.end("u1")  # /end_session right after the yes
    assert ended.payload("report")["outcome"]["deal"] and ended.payload("report")["outcome"]["price"] == 23
    trainer.start("u2", "price_increase_charlie")
    for line in SEED_TURNS:
        trainer.turn("u2", line)
    nxt = trainer.start("u2", "loyal_customer")  # straight into the next persona: the deal is reported, shown first
    assert trainer.store.latest_report("u2")["outcome"]["price"] == 23
    assert nxt.payload("report")["outcome"]["price"] == 23 and nxt.payload("briefing")["persona"] == "loyal_customer"


def test_a_new_start_ends_the_running_session_and_shows_its_report_first(trainer: Trainer) -> None:
    trainer.start("u3", "price_increase_charlie")
    trainer.turn("u3", "What would make this work for you?")
    reply = trainer.start("u3", "loyal_customer")
    kinds = [next(iter(m["custom"])) if "custom" in m else "text" for m in reply.messages]
    assert kinds == ["text", "text", "report", "text", "briefing", "text"]  # notice, report, briefing, opening
    assert "session with Charlie was still running" in reply.texts[0] and reply.texts[1].startswith("SESSION REPORT")
    assert [t["text"] for t in reply.payload("report")["turns"]] == ["What would make this work for you?"]
    assert reply.active and reply.ended and reply.persona == "loyal_customer"
    assert trainer.store.active_session("u3").persona_id == "loyal_customer"
    # /end_session now ends the new session; after that, the answer tells the truth about the last report
    assert trainer.end("u3").payload("report")["turns"] == []
    again = trainer.end("u3")
    assert "no session to end" in again.texts[0] and "above" not in again.texts[0]
    assert "ended with its report (overall" in again.texts[0]


def test_a_new_start_closes_a_session_without_turns_and_says_so(trainer: Trainer) -> None:
    trainer.start("u4", "price_increase_charlie")
    reply = trainer.start("u4", "price_increase_charlie", "hard")
    assert "had no turns yet, so it was closed without a report" in reply.texts[0]
    assert reply.payload("report") is None and reply.payload("briefing")["difficulty"] == "hard"
    assert trainer.store.latest_report("u4") is None and not reply.ended
    # an unknown persona leaves the running session alone
    turn = trainer.turn("u4", "Hello Charlie")
    assert turn.active and trainer.start("u4", "nobody").active
    assert trainer.turn("u4", "Still there?").active


def test_a_no_with_an_offer_is_not_coached_or_met_as_a_flat_refusal(trainer: Trainer) -> None:
    # the detector reads "can't lower it" as hold_position beside the offer; the session core meets the turn as
    # a no that engages: no hold in the trainee's feedback, no lost trust for it
    trainer.start("p", "price_increase_charlie", mode="practice")
    engaged = trainer.turn("p", "I can't lower the unit price, but I can add free shipping on every order.")
    moves = engaged.payload("turn_feedback")["moves"]
    assert "value_add" in moves and "hold_position" not in moves
    trainer.start("q", "price_increase_charlie", mode="practice")
    flat = trainer.turn("q", "I can't lower the unit price, I'm afraid.")
    assert "hold_position" in flat.payload("turn_feedback")["moves"]


def test_turn_feedback_only_in_practice_mode(trainer: Trainer) -> None:
    trainer.start("p", "price_increase_charlie", mode="practice")
    trainer.start("a", "price_increase_charlie", mode="assessment")
    assert trainer.turn("p", "What happened?").payload("turn_feedback")
    assert trainer.turn("a", "What happened?").payload("turn_feedback") is None


def test_turn_without_session_explains_how_to_start(trainer: Trainer) -> None:
    reply = trainer.turn("nobody", "hello")
    assert "/start_session" in reply.texts[0] and not reply.active


def test_empty_turn_is_not_counted(trainer: Trainer) -> None:
    trainer.start("u1", "price_increase_charlie")
    reply = trainer.turn("u1", "  \n ")
    assert "waiting for your reply" in reply.texts[0]
    assert trainer.store.turns(trainer.store.active_session("u1").id) == []


def test_control_characters_are_removed_and_the_turn_kept(trainer: Trainer) -> None:
    trainer.start("u1", "price_increase_charlie")
    trainer.turn("u1", "what\x00 happened\x07?")
    [stored] = trainer.store.turns(trainer.store.active_session("u1").id)
    assert stored["text"] == "what happened?"


def test_other_scripts_get_an_in_character_request_for_english(trainer: Trainer) -> None:
    trainer.start("u1", "price_increase_charlie")
    reply = trainer.turn("u1", "\u0418\u0437\u0432\u0438\u043d\u0438\u0442\u0435 \u0437\u0430 \u0446\u0435\u043d\u0443")
    assert "English" in reply.texts[0]
    assert len(trainer.store.turns(trainer.store.active_session("u1").id)) == 1


def test_end_twice_and_restart(trainer: Trainer) -> None:
    trainer.start("u1", "loyal_customer")
    trainer.turn("u1", "Thanks for your loyalty over the years.")
    first = trainer.end("u1")
    assert first.payload("report")["outcome"]["ended_by"] == "ended"
    second = trainer.end("u1")
    assert second.payload("report") is None and "no session to end" in second.texts[0]
    assert trainer.start("u1", "loyal_customer").active


def test_the_report_is_stored(trainer: Trainer) -> None:
    trainer.start("u1", "price_increase_charlie")
    for line in SEED_TURNS + [WRAP_UP]:
        trainer.turn("u1", line)
    stored = trainer.store.latest_report("u1")
    assert stored["outcome"]["price"] == 23 and len(stored["turns"]) == 3


def test_half_an_emoji_is_answered_and_stored(trainer: Trainer) -> None:
    trainer.start("u9", "price_increase_charlie")
    reply = trainer.turn("u9", "I am sorry \ud83d about that")
    assert reply.texts and reply.active
    record = trainer.store.active_session("u9")
    assert record is not None
    assert [t["text"] for t in trainer.store.turns(record.id)] == ["I am sorry \ufffd about that"]


@pytest.mark.parametrize("typed", ["/End_Session", "/end session", "/endsession", "/end_session please", "/stop",
                                   "/endsessions"])
def test_a_mistyped_end_command_is_not_a_turn(trainer: Trainer, typed: str) -> None:
    trainer.start("u5", "price_increase_charlie")
    before = trainer.store.active_session("u5").state
    reply = trainer.turn("u5", typed)
    assert reply.active and "Did you mean /end_session?" in reply.texts[0] and reply.payload("turn_feedback") is None
    record = trainer.store.active_session("u5")
    assert trainer.store.turns(record.id) == [] and record.state == before  # nothing stored, no patience lost


def test_a_mistyped_start_command_is_not_a_turn(trainer: Trainer) -> None:
    trainer.start("u6", "price_increase_charlie")
    reply = trainer.turn("u6", "/start session")
    assert "Did you mean /start_session" in reply.texts[0]
    assert trainer.store.turns(trainer.store.active_session("u6").id) == []
    # other slash text is no command either (issue 13): answered as such, not said to the customer
    assert "not a command" in trainer.turn("u6", "/foo_bar").texts[0]
    assert trainer.store.turns(trainer.store.active_session("u6").id) == []


@pytest.mark.parametrize("typed", [" loyal_customer ", "Price_Increase_Charlie", "LOYAL_CUSTOMER\n"])
def test_persona_ids_are_read_like_difficulty_and_mode(trainer: Trainer, typed: str) -> None:
    reply = trainer.start("u7", typed)
    assert reply.active and reply.payload("briefing")["persona"] == typed.strip().lower()


def test_an_over_long_message_is_stored_as_refused_not_as_a_turn(trainer: Trainer) -> None:
    from parley.text import screen_message

    trainer.start("long", "price_increase_charlie")
    trainer.turn("long", "I'm sorry about the surprise, Charlie.")
    _, refusal = screen_message("x" * 50_000)
    reply = trainer.refuse("long", refusal)
    assert reply.active and "50,000 characters" in reply.texts[0] and "not scored" in reply.texts[0]
    assert reply.payload("turn_feedback") is None
    record = trainer.store.active_session("long")
    assert [r["chars"] for r in trainer.store.refused("long")] == [50_000]
    assert trainer.store.refused("long")[0]["session_id"] == record.id
    assert len(trainer.store.turns(record.id)) == 1  # the refused message is no turn
    report = trainer.end("long").payload("report")
    assert len(report["turns"]) == 1


def test_a_refusal_without_a_session_is_kept_too(trainer: Trainer) -> None:
    from parley.text import screen_message

    reply = trainer.refuse("nobody", screen_message("y" * 30_000)[1])
    assert not reply.active and "refused" in reply.texts[0]
    assert trainer.store.refused("nobody") == [{"session_id": None, "reason": "too_long", "chars": 30_000,
                                                "excerpt": "y" * 200}]


@pytest.mark.parametrize("text", ["/", "//", '/foo{"x": 1}', "/nlu_fallback", "/ 25 is fine"])
def test_slash_text_that_is_no_command_is_answered_and_not_said(trainer: Trainer, text: str) -> None:
    trainer.start("slash", "price_increase_charlie")
    reply = trainer.turn("slash", text)
    assert reply.active and "not a command" in reply.texts[0] and "/end_session" in reply.texts[0]
    assert trainer.store.turns(trainer.store.active_session("slash").id) == []


# -- retry from this turn -------------------------------------------------------------------------
CAVER = ["The increase isn't my decision, Charlie, I just work here.",
         "Everyone's prices went up this year, it's the same everywhere.",  # no blame: see docs/evaluator.md
         "Please don't leave. I can do $22.",  # a first leap to the floor: Charlie pushes once (W6)
         "Fine, I'll set it up.",  # holding at $22 gets the yes
         "Thanks Charlie, I'll send it over today."]  # the wrap-up turn: the session ends


def test_retry_from_turn_replays_the_same_words_and_keeps_the_first_report(trainer: Trainer) -> None:
    opening = trainer.start("r", "price_increase_charlie").texts[-1]
    said = [trainer.turn("r", line).texts[0] for line in CAVER]
    first = trainer.store.latest_report("r")
    retry = trainer.retry_from_turn("r", "3")
    payload = retry.payload("retry")
    assert retry.active and payload["from_turn"] == 3 and payload["opening"] == opening
    assert [r["customer"] for r in payload["replayed"]] == said[:2]  # deterministic per session
    assert payload["better_line"] and "Charlie" in payload["better_line"]
    trainer.turn("r", "I'm sorry this landed on you, Charlie. What would make staying work for you?")
    second = trainer.end("r").payload("report")
    assert len(second["turns"]) == 3 and second["session_id"] != first["session_id"]
    assert trainer.store.session(first["session_id"]).status == "finished"  # the first try is kept as it was


def test_retry_of_a_turn_that_does_not_exist_says_so(trainer: Trainer) -> None:
    assert "no session to retry" in trainer.retry_from_turn("nobody", 1).texts[0]
    trainer.start("q", "price_increase_charlie")
    trainer.turn("q", "Hi Charlie, what matters most to you?")
    for bad in (0, 5, "x", None, True, 2.5):
        reply = trainer.retry_from_turn("q", bad)
        assert "There is no turn" in reply.texts[0] and reply.payload("retry") is None and reply.active
    assert trainer.turn("q", "How does the rise affect your budget?").texts  # the session runs on


def test_a_mistyped_retry_is_not_said_to_the_customer(trainer: Trainer) -> None:
    trainer.start("m", "price_increase_charlie")
    reply = trainer.turn("m", "/retry 2")
    assert "Did you mean /retry_from_turn" in reply.texts[0]
