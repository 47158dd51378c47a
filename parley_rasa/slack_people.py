"""Slack trainees are people in the cockpit: the first message of each Slack user looks up their display
name (users.info) and links their conversation id to that person (parley/cockpit/identity.py).  Done
once per user and process; a failure (no users:read scope, database busy) is logged and never costs
the trainee their turn."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Set

logger = logging.getLogger(__name__)
PREFIX = "slack:"  # parley_rasa.channels.SLACK_SENDER_PREFIX: Rasa's conversation id for a Slack user


class SlackPeople:
    def __init__(self) -> None:
        self.known: Set[str] = set()
        self._sessions: Any = None

    async def identify(self, client: Any, user_id: str | None, sender: str | None) -> None:
        user_id = user_id[len(PREFIX):] if user_id and user_id.startswith(PREFIX) else user_id
        if not user_id or not sender or user_id in self.known:
            return
        self.known.add(user_id)
        name = None
        try:
            info = await client.api_call("users.info", data={"user": user_id})  # POST form, as Slack accepts
            user = info.get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        except Exception as exc:  # noqa: BLE001  # e.g. missing users:read scope: the Slack id stands in
            logger.warning("Slack users.info for %s failed (%s); using the user id as the name", user_id, exc)
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._link, user_id, name, sender)
        except Exception:  # noqa: BLE001
            self.known.discard(user_id)  # try again on the next message
            logger.exception("could not link Slack user %s to a person", user_id)

    def _link(self, user_id: str, name: str | None, sender: str) -> None:
        from sqlalchemy.orm import sessionmaker

        from parley.cockpit.identity import slack_identify
        from parley.store import make_engine

        if self._sessions is None:
            self._sessions = sessionmaker(make_engine(), future=True)
        with self._sessions() as db, db.begin():
            slack_identify(db, user_id, name, sender)


PEOPLE = SlackPeople()
