"""The Slack channel answers a message Rasa failed on: Rasa runs it in a background task whose error
nobody reads, so the trainee would see nothing at all."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, List

from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError

from parley_rasa import slack
from parley_rasa.channels import NOT_FINISHED
from parley_rasa.slack import SlackBot, SlackInput


async def test_a_message_rasa_fails_on_is_answered_send_it_again(monkeypatch) -> None:
    posted: List[str] = []

    async def post(self: SlackBot, recipient_id: str, text: str, blocks: Any = None) -> None:
        posted.append(text)

    async def nobody(*_args: Any) -> None:
        return None

    async def not_a_people_command(*_args: Any) -> bool:
        return False

    monkeypatch.setattr(SlackBot, "_post", post)
    monkeypatch.setattr(slack.PEOPLE, "identify", nobody)
    monkeypatch.setattr(slack.PEOPLE, "answer", not_a_people_command)

    async def rasa(message: UserMessage) -> None:  # as Rasa does when the conversation's lock vanished
        raise LockError(f"Could not acquire lock for conversation_id '{message.sender_id}'.")

    channel = SlackInput("xoxb-test", slack_signing_secret="secret")
    request = SimpleNamespace(headers={}, json=None)
    await channel.process_message(request, rasa, "what matters most to you?", "U123", None)  # type: ignore[arg-type]
    await asyncio.gather(*channel._background_tasks)
    assert posted == [slack.escape(NOT_FINISHED)]
