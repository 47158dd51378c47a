"""Rasa's REST channel with one addition: a turn that produced no reply gets a clear one.

Every Parley action answers, so an empty reply means a service was missing (the action server
down or unreachable). Rasa would return `[]` with a 200 and the trainee would be left waiting;
here they are told the message was not recorded and to send it again.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint

NO_REPLY = ("The trainer could not answer just now (its action server is not reachable), so this message was "
            "not recorded. Please send it again in a moment.")


def answering(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[None]]:
    async def handle(message: UserMessage) -> None:
        await on_new_message(message)
        output = message.output_channel
        if isinstance(output, CollectingOutputChannel) and not output.messages:
            await output.send_text_message(message.sender_id, NO_REPLY)

    return handle


class RestInput(RasaRestInput):
    """Registered in credentials.yml by module path; keeps the URL /webhooks/rest/webhook."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(answering(on_new_message))
