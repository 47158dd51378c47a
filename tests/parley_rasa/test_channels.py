"""The channels tell the truth when a turn got no reply: a Rasa control command, or a missing service."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, List

import pytest
from aiohttp import web
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Restarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from parley_rasa.channels import NO_ANSWER, NO_REPLY, NOT_FINISHED, Silence, answering, control_reply, health_url

DOMAIN = Domain.from_dict({
    "intents": ["open_question"],
    "slots": {"session_active": {"type": "bool", "influence_conversation": False, "mappings": [{"type": "custom"}]},
              "persona": {"type": "categorical", "values": ["loyal_customer", "price_increase_charlie"],
                          "mappings": [{"type": "custom"}]}},
})


def test_health_url_sits_next_to_the_webhook() -> None:
    assert health_url(EndpointConfig(url="http://h:5055/webhook")) == "http://h:5055/health"
    assert health_url(EndpointConfig(url="http://h:5055/webhook/")) == "http://h:5055/health"
    assert health_url(EndpointConfig(url="http://h:5055")) == "http://h:5055/health"
    assert health_url(None) is None


@pytest.mark.parametrize("intent", ["restart", "back", "session_start"])
def test_control_replies(intent: str) -> None:
    open_ = control_reply(intent, True, ["loyal_customer", "__other__"])
    assert open_ and "/end_session" in open_ and ("still open" in open_ or "no undo" in open_)
    closed = control_reply(intent, False, ["loyal_customer", "__other__"])
    assert closed and "still open" not in closed and "/start_session" in closed
    assert "(personas: loyal_customer)" in closed and "__other__" not in closed
    assert control_reply("open_question", True) is None


async def silence_for(events: List[Any], action_url: str | None) -> str:
    store = InMemoryTrackerStore(DOMAIN)
    await store.save(DialogueStateTracker.from_events("s1", events, slots=DOMAIN.slots))
    agent = SimpleNamespace(domain=DOMAIN, tracker_store=store,
                            action_endpoint=EndpointConfig(url=action_url) if action_url else None)
    silence = Silence()
    silence.app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))  # type: ignore[assignment]
    return await silence.reply("s1")


async def test_restart_says_what_parley_last_said_about_the_session() -> None:
    opened = [ActionExecuted("action_listen"), UserUttered("/start_session", {"name": "start_session"}),
              SlotSet("session_active", True), ActionExecuted("action_listen")]
    restart = [UserUttered("/restart", {"name": "restart"}), ActionExecuted("action_restart"), Restarted()]
    assert "still open" in await silence_for(opened + restart, None)  # no action server needed
    # Rasa keeps no events before a restart: then nothing is claimed about the session
    neutral = await silence_for([ActionExecuted("action_listen")] + restart, None)
    assert "still open" not in neutral and "/end_session" in neutral and "/start_session" in neutral


async def test_a_turn_without_reply_checks_the_action_server() -> None:
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "open_question"})]
    assert await silence_for(events, None) == NO_REPLY
    assert await silence_for(events, "http://127.0.0.1:9/webhook") == NO_REPLY  # nothing listens on port 9

    app = web.Application()
    app.router.add_get("/health", lambda _request: web.json_response({"status": "ok"}))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        assert await silence_for(events, f"http://127.0.0.1:{port}/webhook") == NO_ANSWER
    finally:
        await runner.cleanup()


async def test_answering_without_a_server_says_not_reachable() -> None:
    async def silent(_message: UserMessage) -> None:
        return None

    output = CollectingOutputChannel()
    await answering(silent, Silence())(UserMessage("hi", output, "s2"))
    assert [m["text"] for m in output.messages] == [NO_REPLY]


async def test_a_message_rasa_fails_on_is_answered_send_it_again_not_with_nothing() -> None:
    """Rasa's REST channel answers `[]` when handling raises (a conversation lock lost in a Redis restart)."""
    from rasa.core.lock_store import LockError

    async def lock_lost(_message: UserMessage) -> None:
        raise LockError("Could not acquire lock for conversation_id 's2'.")

    for silence in (Silence(), None):
        output = CollectingOutputChannel()
        await answering(lock_lost, silence)(UserMessage("hi", output, "s2"))
        assert [m["text"] for m in output.messages] == [NOT_FINISHED]
        assert "send it again" in NOT_FINISHED.lower()


async def test_a_reply_sent_before_rasa_failed_is_kept_alone() -> None:
    """The action server recorded the turn and answered; a tracker write after it failed: the reply stands."""

    async def fails_after_reply(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "The customer answers.")
        raise RuntimeError("tracker store went away")

    output = CollectingOutputChannel()
    await answering(fails_after_reply, Silence())(UserMessage("hi", output, "s2"))
    assert [m["text"] for m in output.messages] == ["The customer answers."]


# -- input guards (REST body, sender namespaces, invalid code points) ------------------------------
def test_lone_surrogates_become_the_replacement_character() -> None:
    from parley_rasa.channels import clean_text

    assert clean_text("I am sorry \ud83d about that") == "I am sorry \ufffd about that"
    assert clean_text("ok \U0001F600") == "ok \U0001F600"  # a whole emoji stays
    assert clean_text(None) is None
    clean_text("x\udc00y").encode("utf-8")  # encodable, as spaCy and the database need


@pytest.mark.parametrize("sender", ["slack:U5", "SLACK:U5", " slack:U5_C1"])
def test_slack_sender_ids_are_reserved(sender: str) -> None:
    from parley_rasa.channels import reserved_sender

    refusal = reserved_sender(sender)
    assert refusal and "reserved" in refusal and "Slack" in refusal
    assert reserved_sender("U5") is None and reserved_sender("e2e-slackish") is None and reserved_sender(5) is None


@pytest.mark.parametrize("raw", [b"", b"[]", b'["hi"]', b"null", b"5", b"{not json", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_gets_a_400_with_a_reason(raw: bytes) -> None:
    import json

    from parley_rasa.channels import check_rest_body

    answer = check_rest_body(raw)
    assert answer is not None and answer.status == 400
    assert "JSON object" in json.loads(answer.body)["message"]


@pytest.mark.parametrize("message", [5, {}, ["hi"], True])
def test_a_message_that_is_not_text_gets_a_bot_answer(message: Any) -> None:
    import json

    from parley_rasa.channels import SEND_TEXT, check_rest_body

    answer = check_rest_body(json.dumps({"sender": "s", "message": message}).encode())
    assert answer is not None and answer.status == 200
    assert json.loads(answer.body) == [{"recipient_id": "s", "text": SEND_TEXT}]


@pytest.mark.parametrize("body", [{"message": "hi"}, {"sender": "", "message": "hi"}, {"sender": "  ", "message": "hi"},
                                  {"sender": {"x": 1}, "message": "hi"}, {"sender": 5, "message": "hi"},
                                  {"sender": None, "message": "hi"}])
def test_a_missing_or_unusable_sender_gets_a_400_not_a_shared_default_conversation(body: dict) -> None:
    import json

    from parley_rasa.channels import check_rest_body

    answer = check_rest_body(json.dumps(body).encode())
    assert answer is not None and answer.status == 400
    assert '"sender" must be your own id' in json.loads(answer.body)["message"]


def test_usable_bodies_pass_to_rasa() -> None:
    from parley_rasa.channels import check_rest_body

    for body in (b'{"sender": "s", "message": "hi"}', b'{"sender": "s"}', b'{"sender": "s", "message": null}'):
        assert check_rest_body(body) is None


async def test_answering_repairs_invalid_code_points_before_rasa() -> None:
    seen: List[str] = []

    async def rasa(message: UserMessage) -> None:
        seen.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id, "ok")

    await answering(rasa)(UserMessage("sorry \ud83d", CollectingOutputChannel(), "s3"))
    assert seen == ["sorry \ufffd"]


@pytest.mark.parametrize("typed, meant", [
    ("/End_Session", "/end_session"), ("/end session", "/end_session"), ("/endsession", "/end_session"),
    ("/end_session please", "/end_session"), ("/end-session", "/end_session"), (" /END SESSION ", "/end_session"),
    ("/start session", "/start_session"), ('/Start_Session {"persona": "x"}', '/start_session{"persona": "x"}'),
    ("/start session charlie", '/start_session{"persona": "charlie"}'),
])
def test_mistyped_session_commands_are_spelled_as_the_contract_says(typed: str, meant: str) -> None:
    from parley_rasa.channels import incoming

    assert incoming(typed) == meant


@pytest.mark.parametrize("text", ["/end_session", "/endsessions", "end session", "/foo_bar", "Let's end this session",
                                  "/end the session now if you would", None, 5])
def test_other_text_is_left_alone(text: Any) -> None:
    from parley_rasa.channels import canonical_command

    assert canonical_command(text) == text
