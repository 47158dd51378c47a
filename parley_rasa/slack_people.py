"""Slack for the cockpit (parley/cockpit): trainees are people, and teams see their practice.

- The first message of each Slack user looks up their display name (users.info) and links their
  conversation id to that person.  Once per user and process; a failure (no users:read scope, database
  busy) is logged and never costs the trainee their turn.
- `assignments` lists the trainee's open assignments; `team` shows a lead their team's week (the lead's
  cockpit account carries their Slack id: `parley users add NAME --role lead --team T --slack U...`).
- The App Home tab (app_home_opened -> views.publish): open assignments, last scores, weakest criterion.
- A reminder DM the day before an assignment is due (checked every PARLEY_REMINDER_SECONDS, default 600).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any, Callable, List, Set

from sanic import Blueprint, response
from sanic.request import Request

logger = logging.getLogger(__name__)
PREFIX = "slack:"  # parley_rasa.channels.SLACK_SENDER_PREFIX: Rasa's conversation id for a Slack user
WORDS = {"assignments": "assignments", "my assignments": "assignments", "team": "team", "my team": "team"}


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def _esc(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def assignment_lines(rows: List[Any]) -> List[str]:
    out = []
    for a in rows:
        left = "" if a.attempts_left is None else f", {a.attempts_left} attempt{'s' * (a.attempts_left != 1)} left"
        out.append(f"• *{_esc(a.persona_id.replace('_', ' '))}* on {a.difficulty}, {a.mode}: score {a.min_score}+ "
                   f"by {a.due_at:%a %d %b %H:%M}{left} (_{a.status.value}_). "
                   f"Say `practice {_esc(a.persona_id.split('_')[0])} {a.difficulty} {a.mode}`")
    return out


def _score(overall: float | None) -> str:
    """A session's overall for Slack: too short or off topic to assess has none."""
    return "_not assessed_" if overall is None else f"*{overall:.0f}*/100"


def home_view(summary: Any) -> dict:
    blocks: List[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "Your Parley practice"}}]
    lines = assignment_lines(summary.open)
    blocks.append(_section("*Open assignments*\n" + ("\n".join(lines) if lines else "Nothing assigned right now.")))
    last = [f"• {_esc(p.replace('_', ' '))} ({d}, {m}): {_score(o)}, {e:%d %b}" for p, d, m, o, e in summary.last]
    blocks.append(_section("*Last scores*\n" + ("\n".join(last) if last else "No finished sessions yet.")))
    if summary.weakest:
        blocks.append(_section(f"*Work on next:* {_esc(summary.weakest[0])} (average {summary.weakest[1]:.0f} "
                               "over the last 30 days)"))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Say `help` in a DM to start."}]})
    return {"type": "home", "blocks": blocks}


def team_text(view: Any) -> str:
    if not view.trainees:
        return "No trainees in your team yet."
    done = [t for t in view.trainees if t.week]
    idle = [t.name for t in view.trainees if not t.week]
    lines = [f"*Your team this week:* {len(done)} of {len(view.trainees)} practised."]
    lines += [f"• {_esc(t.name)}: {t.week} session{'s' * (t.week != 1)}, average "
              f"{t.average if t.average is not None else '-'}" for t in done]
    if idle:
        lines.append("Not yet: " + ", ".join(_esc(n) for n in idle))
    if view.weakest:
        lines.append(f"Weakest criterion this week: *{_esc(view.weakest.replace('_', ' '))}* "
                     f"({view.criteria[view.weakest]:.0f})")
    return "\n".join(lines)


class SlackPeople:
    def __init__(self) -> None:
        self.known: Set[str] = set()
        self._sessions: Any = None
        self._reminders: asyncio.Task | None = None

    # -- the database, off the event loop ------------------------------------------------------------
    def _open(self) -> Any:
        from sqlalchemy.orm import sessionmaker

        from parley.store import make_engine
        if self._sessions is None:
            self._sessions = sessionmaker(make_engine(), future=True)
        return self._sessions()

    async def _run(self, work: Callable[[Any], Any]) -> Any:
        def job() -> Any:
            with self._open() as db, db.begin():
                return work(db)
        return await asyncio.get_running_loop().run_in_executor(None, job)

    # -- people ----------------------------------------------------------------------------------------------
    async def identify(self, client: Any, user_id: str | None, sender: str | None) -> None:
        user_id = _user(user_id)
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
        from parley.cockpit.directory import link_when_ready
        from parley.cockpit.identity import slack_identify
        try:
            who = await self._run(lambda db: slack_identify(db, user_id, name, sender))
        except Exception:  # noqa: BLE001
            self.known.discard(user_id)  # try again on the next message
            logger.exception("could not link Slack user %s to a person", user_id)
            return
        if not who.linked:  # their first session is being started by this very message: link once it is
            loop = asyncio.get_running_loop()
            waiting = loop.run_in_executor(None, link_when_ready, self._open, who.person_id, sender, 60.0)
            waiting.add_done_callback(lambda done: done.result() or self.known.discard(user_id))

    # -- `assignments` and `team` --------------------------------------------------------------------------------
    async def answer(self, output: Any, recipient: str, user_id: str | None, text: str | None) -> bool:
        """Answers the cockpit's words; False for anything else (it goes to the trainer as usual)."""
        word = WORDS.get(" ".join((text or "").lower().split()).rstrip(".!?"))
        if word is None:
            return False
        user_id = _user(user_id)
        try:
            reply = await self._run(lambda db: self._reply(db, word, user_id or ""))
        except Exception:  # noqa: BLE001
            logger.exception("cockpit words failed for %s", user_id)
            reply = "Sorry, I could not read the practice records just now. Try again in a minute."
        await output._post(recipient, reply, [_section(reply)])
        output.replied = True
        return True

    def _reply(self, db: Any, word: str, user_id: str) -> str:
        from sqlalchemy import select

        from parley.accounts_store import Person
        from parley.cockpit import summaries
        if word == "team":
            viewer = summaries.lead_for_slack(db, user_id)
            if viewer is None:
                return ("`team` is for team leads: ask your admin to add your Slack id to your cockpit account "
                        "(`parley users add NAME --role lead --team TEAM --slack YOUR_ID`).")
            return team_text(summaries.team_week(db, viewer))
        person = db.execute(select(Person).where(Person.slack_user_id == user_id)).scalar_one_or_none()
        rows = summaries.trainee(db, person.id).open if person else []
        if not rows:
            return "You have no open assignments. Say `help` to practise anything you like."
        return "*Your open assignments*\n" + "\n".join(assignment_lines(rows))

    # -- App Home and reminders ----------------------------------------------------------------------------------
    def watch(self, webhook: Blueprint, channel: Any) -> None:
        """App Home on app_home_opened, and the reminder loop, on the Slack channel's blueprint."""
        @webhook.middleware("request")
        async def app_home(request: Request) -> Any:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                return None
            event = body.get("event") if isinstance(body, dict) else None
            if not isinstance(event, dict) or event.get("type") != "app_home_opened":
                return None
            if not channel.is_request_from_slack_authentic(request):
                return response.text("Message is not properly signed", status=400)
            user_id = str(event.get("user") or "")
            asyncio.get_running_loop().create_task(self.publish_home(channel, user_id))
            return response.text("")

        @webhook.listener("after_server_start")
        async def start_reminders(app: Any, loop: Any) -> None:
            seconds = float(os.environ.get("PARLEY_REMINDER_SECONDS", "600"))
            if seconds > 0 and self._reminders is None:
                self._reminders = loop.create_task(self.remind_forever(channel, seconds))

    def _client(self, channel: Any) -> Any:
        from slack_sdk.web.async_client import AsyncWebClient
        return AsyncWebClient(token=channel.slack_token, base_url=channel.api_url, proxy=channel.proxy)

    async def publish_home(self, channel: Any, user_id: str) -> None:
        from sqlalchemy import select

        from parley.accounts_store import Person
        from parley.cockpit import summaries

        def summary(db: Any) -> Any:
            person = db.execute(select(Person).where(Person.slack_user_id == user_id)).scalar_one_or_none()
            return summaries.trainee(db, person.id) if person else summaries.TraineeSummary(name="")
        try:
            view = home_view(await self._run(summary))
            await self._client(channel).api_call("views.publish", json={"user_id": user_id, "view": view})
        except Exception:  # noqa: BLE001
            logger.exception("App Home for %s failed", user_id)

    async def remind_forever(self, channel: Any, seconds: float) -> None:
        while True:
            try:
                await self.remind(channel)
            except Exception:  # noqa: BLE001  # a bad round never stops the next one
                logger.exception("assignment reminders failed")
            await asyncio.sleep(seconds)

    async def remind(self, channel: Any) -> int:
        """DMs each Slack trainee whose open assignment is due within a day, once."""
        from datetime import datetime

        from parley.cockpit import assignments

        due = await self._run(lambda db: [(t.assignment_id, t.person_id, p, slack) for t, p, slack
                                          in assignments.due_tomorrow(db) if slack])
        client = self._client(channel)
        for assignment_id, person_id, progress, slack_user in due:
            text = "*Reminder: due tomorrow*\n" + "\n".join(assignment_lines([progress]))
            await client.api_call("chat.postMessage", json={"channel": slack_user, "text": text,
                                                            "blocks": [_section(text)]})

            def mark(db: Any, a: int = assignment_id, p: int = person_id) -> None:
                from parley.accounts_store import AssignmentTarget
                db.get(AssignmentTarget, (a, p)).reminded_at = datetime.utcnow()
            await self._run(mark)
        return len(due)


def _user(user_id: str | None) -> str | None:
    return user_id[len(PREFIX):] if user_id and user_id.startswith(PREFIX) else user_id


PEOPLE = SlackPeople()
