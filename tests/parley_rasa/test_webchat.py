"""The socket.io channel answers every message: bad metadata is dropped, non-text gets a clear answer."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError

from parley_rasa.channels import NOT_FINISHED, SEND_TEXT
from parley_rasa.webchat import WebchatInput


class Channel:
    """The real channel and socket.io server, with emits recorded instead of sent."""

    def __init__(self, fails: bool = False) -> None:
        self.received: List[UserMessage] = []
        self.emitted: List[Dict[str, Any]] = []

        async def rasa(message: UserMessage) -> None:
            self.received.append(message)
            if fails:  # as Rasa does when a conversation's lock vanished in a Redis restart
                raise LockError(f"Could not acquire lock for conversation_id '{message.sender_id}'.")
            await message.output_channel.send_response(message.sender_id, {"text": "customer says hi"})  # as Rasa does

        async def emit(event: str, data: Dict[str, Any], **_: Any) -> None:
            self.emitted.append(data)

        webchat = WebchatInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered")
        webchat.blueprint(rasa)
        assert webchat.sio is not None
        webchat.sio.emit = emit  # type: ignore[method-assign]
        self.handle = webchat.sio.handlers[webchat.namespace or "/"]["user_uttered"]


@pytest.mark.parametrize("metadata", ["{not json", "[1, 2]", "5", 7, ["x"], None])
async def test_bad_metadata_is_dropped_and_the_message_answered(metadata: Any) -> None:
    chan = Channel()
    await chan.handle("sid1", {"message": "hello", "metadata": metadata})
    assert [m.text for m in chan.received] == ["hello"] and chan.received[0].metadata == {}
    assert chan.emitted == [{"text": "customer says hi"}]


@pytest.mark.parametrize("message", [5, {}, ["hi"]])
async def test_a_message_that_is_not_text_gets_a_clear_answer(message: Any) -> None:
    chan = Channel()
    await chan.handle("sid1", {"message": message})
    assert chan.received == [] and chan.emitted == [{"text": SEND_TEXT}]


async def test_missing_message_and_half_emoji_reach_rasa_as_text() -> None:
    chan = Channel()
    await chan.handle("sid1", {})
    await chan.handle("sid1", {"message": "sorry \ud83d", "metadata": {"lang": "en"}})
    assert [m.text for m in chan.received] == ["", "sorry \ufffd"] and chan.received[1].metadata == {"lang": "en"}


async def test_a_message_rasa_fails_on_gets_send_it_again_not_silence() -> None:
    chan = Channel(fails=True)
    await chan.handle("sid1", {"message": "hello"})
    assert [m.text for m in chan.received] == ["hello"] and chan.emitted == [{"text": NOT_FINISHED}]
