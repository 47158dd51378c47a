"""The cockpit's plain-Python side: passwords, signed values, who may see what, forgetting a person,
retention, streaks, highlighted triggers, and the `parley users` / `parley trainee` commands."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from parley.accounts_store import Comment, CriterionScore, Identity, Person, SessionResult
from parley.cli import main as cli
from parley.cockpit import directory, queries, results, retention
from parley.cockpit.auth import Role, Viewer, hash_password, sign, unsign, verify_password
from parley.cockpit.privacy import can_read_transcript, can_see_person
from parley.moves import detect
from parley.session import Trainer
from parley.store import Report, Store, Trainee, TrainingSession, Turn

KEY = b"unit-test-key"


def test_passwords_are_salted_scrypt_hashes_that_verify_only_the_right_password():
    one, two = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert one.startswith("scrypt$") and one != two and "correct" not in one
    assert verify_password("correct horse battery", one)
    assert not verify_password("correct horse batterY", one)
    assert not verify_password("x", "md5$garbage")


def test_a_signed_value_fails_when_tampered_with_expired_or_used_for_another_purpose():
    token = sign({"person": 3, "iat": time.time()}, "signin", KEY)
    assert unsign(token, "signin", 60, KEY)["person"] == 3
    body, mac = token.split(".")
    forged = sign({"person": 4, "iat": time.time()}, "signin", b"another key").split(".")[0] + "." + mac
    assert unsign(forged, "signin", 60, KEY) is None
    assert unsign(token, "session", 60, KEY) is None  # a sign-in link is not a session cookie
    old = sign({"person": 3, "iat": time.time() - 100}, "signin", KEY)
    assert unsign(old, "signin", 60, KEY) is None
    assert unsign("not-a-token", "signin", 60, KEY) is None


LEAD = Viewer("leo", Role.lead, team_id=1)
TRAINER = Viewer("tina", Role.trainer)
ADMIN = Viewer("ada", Role.admin)
MALLORY = Viewer("Mallory", Role.trainee, person_id=7)


@pytest.mark.parametrize("viewer, person, team, mode, shared, allowed", [
    (MALLORY, 7, 1, "practice", False, True),      # your own practice
    (MALLORY, 8, 1, "assessment", False, False),   # never another trainee's
    (LEAD, 7, 1, "practice", False, False),        # a lead never reads practice ...
    (LEAD, 7, 1, "practice", True, True),          # ... unless the trainee shared it
    (LEAD, 7, 1, "assessment", False, True),       # assessments: yes, for their team
    (LEAD, 9, 2, "assessment", False, False),      # not another team's
    (TRAINER, 9, 2, "assessment", False, True),
    (ADMIN, 9, 2, "practice", False, False),       # practice stays private from admins too
])
def test_transcript_rules(viewer, person, team, mode, shared, allowed):
    assert can_read_transcript(viewer, person, team, mode, shared) is allowed


def test_people_rules():
    assert can_see_person(LEAD, 7, 1) and not can_see_person(LEAD, 9, 2) and not can_see_person(LEAD, 9, None)
    assert can_see_person(TRAINER, 9, 2) and can_see_person(MALLORY, 7, 1) and not can_see_person(MALLORY, 8, 1)


def test_streaks_count_consecutive_days():
    d = date(2026, 12, 6)
    days = [d - timedelta(days=n) for n in (9, 8, 7, 6, 2, 1, 0)]
    assert queries._streaks(days, d) == (3, 4)
    assert queries._streaks(days[:4], d) == (0, 4)
    assert queries._streaks([], d) == (0, 0)


def test_triggers_are_marked_in_the_trainee_text():
    segments = queries.highlight("Sorry about that. What would help?", {"empathy": ["sorry about that"],
                                                                         "open_question": ["What would help"]})
    assert segments == [("Sorry about that", "empathy"), (". ", None), ("What would help", "open_question"),
                        ("?", None)]
    assert queries.highlight("<b>hi</b>", {}) == [("<b>hi</b>", None)]


@pytest.fixture()
def played(tmp_path, personas):
    """Two people with finished sessions played through the real Trainer, and the cockpit's tables."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = Store(url)
    trainer = Trainer(personas, store, detect)
    for sender, mode in (("web-ann", "practice"), ("slack-U1", "assessment"), ("web-bo", "assessment")):
        trainer.start(sender, "price_increase_charlie", "normal", mode)
        trainer.turn(sender, "Sorry about the rise, Charlie. What matters most to you?")
        trainer.end(sender)
    db = sessionmaker(store.engine, future=True)
    with db() as s, s.begin():
        ann = directory.add_person(s, "Ann", "Billing")
        directory.link(s, ann, "web-ann")
        directory.link(s, ann, "slack-U1")  # one person on web and Slack
        bo = directory.add_person(s, "Bo", "Renewals")
        directory.link(s, bo, "web-bo")
        results.refresh(s, results.floors(personas))
    return db


def test_one_person_across_channels_and_a_lead_sees_only_their_team(played):
    with played() as s:
        team = s.execute(select(Person.team_id).where(Person.name == "Ann")).scalar_one()
        lead = Viewer("leo", Role.lead, team_id=team)
        view = queries.overview(s, lead, days=30)
        assert [(t.name, t.sessions) for t in view.trainees] == [("Ann", 2)]
        assert view.weakest in view.criteria and set(view.heatmap) == {view.trainees[0].person_id}
        everyone = queries.overview(s, TRAINER, days=30)
        assert [t.name for t in everyone.trainees] == ["Ann", "Bo"]
        with pytest.raises(queries.Forbidden):
            queries.overview(s, Viewer("Ann", Role.trainee, person_id=1))
        ann = everyone.trainees[0].person_id
        progress = queries.progress(s, lead, ann)
        assert len(progress.sessions) == 2 and progress.streak == 1
        readable = {row.mode: row.readable for row in progress.sessions}
        assert readable == {"practice": False, "assessment": True}
        bo = everyone.trainees[1].person_id
        with pytest.raises(queries.Forbidden):
            queries.progress(s, lead, bo)


def test_forget_erases_every_trace_of_a_person_and_nobody_else(played):
    with played() as s, s.begin():
        before = s.execute(select(func.count()).select_from(TrainingSession)).scalar_one()
        gone = directory.forget(s, "Ann")
        assert (gone.sessions, gone.senders) == (2, 2)
    with played() as s:
        assert s.execute(select(func.count()).select_from(TrainingSession)).scalar_one() == before - 2
        assert s.execute(select(Person.name)).scalars().all() == ["Bo"]
        assert s.execute(select(func.count()).select_from(Trainee)
                         .where(Trainee.external_id.in_(["web-ann", "slack-U1"]))).scalar_one() == 0
        for model in (SessionResult, CriterionScore, Report):
            assert s.execute(select(func.count()).select_from(model)).scalar_one() >= 1  # Bo's stay
        assert s.execute(select(func.count()).select_from(Identity)).scalar_one() == 1
    with played() as s, s.begin(), pytest.raises(directory.DirectoryError):
        directory.forget(s, "Ann")


def test_retention_deletes_old_transcripts_and_keeps_the_scores(played, personas):
    with played() as s, s.begin():
        sid = s.execute(select(TrainingSession.id).order_by(TrainingSession.id)).scalars().first()
        s.add(Comment(session_id=sid, author="tina", text="good"))
        s.execute(TrainingSession.__table__.update().where(TrainingSession.id == sid)
                  .values(ended_at=datetime.utcnow() - timedelta(days=40)))
        assert retention.prune(s, 30, results.floors(personas)) == 1
    with played() as s:
        assert s.execute(select(func.count()).select_from(Turn).where(Turn.session_id == sid)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Comment)).scalar_one() == 0
        payload = s.execute(select(Report.payload).where(Report.session_id == sid)).scalar_one()
        assert payload["pruned"] and "criteria" in payload and "turns" not in payload and "hidden" not in payload
        assert s.execute(select(func.count()).select_from(CriterionScore)
                         .where(CriterionScore.session_id == sid)).scalar_one() == 7
        assert s.execute(select(func.count()).select_from(Turn)).scalar_one() == 2  # the recent ones stay


def test_users_add_checks_role_team_and_password(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli(["users", "add", "tina", "--role", "trainer", "--password-stdin", "--url", url]) == 2
    assert "at least 10" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli(["users", "add", "leo", "--role", "lead", "--password-stdin", "--url", url]) == 2
    assert "--team" in capsys.readouterr().err
    for name, extra in (("leo", ["--role", "lead", "--team", "Billing"]), ("ada", ["--role", "admin"])):
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        assert cli(["users", "add", name, *extra, "--password-stdin", "--url", url]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli(["users", "add", "ada", "--role", "admin", "--password-stdin", "--url", url]) == 2
    assert "already" in capsys.readouterr().err
    assert cli(["users", "list", "--url", url]) == 0
    assert "leo\tlead\tBilling" in capsys.readouterr().out
    with sessionmaker(Store(url).engine, future=True)() as s:
        assert directory.authenticate(s, "leo", "a long enough password").role == Role.lead
        assert directory.authenticate(s, "leo", "wrong password!") is None
        assert directory.authenticate(s, "nobody", "a long enough password") is None


def test_trainee_commands_link_and_forget(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert cli(["trainee", "add", "Ann Lee", "--team", "Billing", "--sender", "web-1", "--url", url]) == 0
    assert cli(["trainee", "link", "Ann Lee", "U123", "--url", url]) == 0
    assert cli(["trainee", "link", "Nobody", "U9", "--url", url]) == 2
    assert cli(["trainee", "signin-link", "Ann Lee", "--base", "http://x:8081/", "--url", url]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("http://x:8081/signin/")
    assert cli(["trainee", "forget", "Ann Lee", "--url", url]) == 2  # needs --yes
    assert cli(["trainee", "forget", "Ann Lee", "--yes", "--url", url]) == 0
    assert "2 channel ids" in capsys.readouterr().out


def test_the_terminal_asks_the_name_once_and_links_each_chat(tmp_path):
    from parley.cockpit.identity import terminal_identify

    url = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store(url)
    opened = sessionmaker(store.engine, future=True)
    asked: list = []
    name_file = tmp_path / "trainee_name"
    store.start_session("cli-1", "price_increase_charlie", "normal", "practice", {})
    who = terminal_identify(opened, "cli-1", lambda q: asked.append(q) or "  Cara   Doe ", name_file)
    assert who.name == "Cara Doe" and who.linked and len(asked) == 1
    who = terminal_identify(opened, "cli-2", lambda q: asked.append(q) or "other", name_file)
    assert who.name == "Cara Doe" and len(asked) == 1  # not asked again
    assert not who.linked  # no session yet: linked once the chat has started it, never racing to insert it
    store.start_session("cli-2", "price_increase_charlie", "normal", "practice", {})
    deadline = time.monotonic() + 10
    while True:
        with opened() as s:
            linked = s.execute(select(func.count()).select_from(Identity)).scalar_one()
        if linked == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert linked == 2
    assert terminal_identify(opened, "cli-3", lambda q: "", tmp_path / "none") is None  # Enter skips


def test_slack_users_are_one_person_each_even_with_the_same_display_name(tmp_path):
    from parley.cockpit.identity import slack_identify

    opened = sessionmaker(Store(f"sqlite:///{tmp_path / 's.db'}").engine, future=True)
    with opened() as s, s.begin():
        a = slack_identify(s, "U1", "Sam")
        again = slack_identify(s, "U1", "Sam Renamed")
        b = slack_identify(s, "U2", "Sam")
    assert a.person_id == again.person_id and b.person_id != a.person_id and b.name == "Sam (U2)"


def test_the_overview_from_weekly_rollups_equals_averaging_every_row(tmp_path, personas):
    """Whole weeks from the rollups plus the edge days from the rows give exactly the plain averages."""
    from parley.cockpit import seed

    templates = seed.play_templates(files=["personas/tests/price_increase_charlie.yml"])
    store = Store(f"sqlite:///{tmp_path / 'o.db'}")
    db = sessionmaker(store.engine, future=True)
    now = datetime(2026, 12, 3, 15, 30)  # a Thursday: periods start mid-week
    with db() as s, s.begin():
        seed.seed(s, templates, results.floors(personas), trainees=6, sessions=400, days=120, now=now)
    with db() as s:
        for days in (7, 30, 90):
            view = queries.overview(s, TRAINER, days=days, now=now)
            since = now - timedelta(days=days)
            expected = {}
            for pid, criterion, avg in s.execute(
                    select(Identity.person_id, CriterionScore.criterion, func.avg(CriterionScore.score))
                    .select_from(CriterionScore).join(Identity, Identity.trainee_id == CriterionScore.trainee_id)
                    .where(CriterionScore.ended_at >= since).group_by(Identity.person_id, CriterionScore.criterion)):
                if avg is not None:  # avg() skips "not shown" (NULL); a criterion never shown has no cell
                    expected.setdefault(pid, {})[criterion] = round(avg, 1)
            assert view.heatmap == expected
            plain = dict(s.execute(select(Identity.person_id, func.count()).select_from(SessionResult)
                                   .join(Identity, Identity.trainee_id == SessionResult.trainee_id)
                                   .where(SessionResult.ended_at >= since).group_by(Identity.person_id)).all())
            assert {t.person_id: t.sessions for t in view.trainees if t.sessions} == plain
            averages = dict(s.execute(select(Identity.person_id, func.avg(SessionResult.overall))
                                      .select_from(SessionResult)
                                      .join(Identity, Identity.trainee_id == SessionResult.trainee_id)
                                      .where(SessionResult.ended_at >= since).group_by(Identity.person_id)).all())
            assert {t.person_id: t.average for t in view.trainees if t.sessions} == \
                {pid: None if a is None else round(a, 1) for pid, a in averages.items()}
            assert sum(p.sessions for p in view.personas) == sum(plain.values())


def test_assignment_life_cycle_counts_only_attempts_in_its_mode(tmp_path, personas):
    from parley.cockpit import assignments
    from parley.cockpit.assignments import Status

    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = Store(url)
    trainer = Trainer(personas, store, detect)
    db = sessionmaker(store.engine, future=True)
    with db() as s, s.begin():
        ann = directory.add_person(s, "Ann", "Billing")
        directory.link(s, ann, "web-ann")
        bo = directory.add_person(s, "Bo", "Billing")
        directory.link(s, bo, "web-bo")
        due = datetime.utcnow() + timedelta(days=3)
        high = assignments.create(s, TRAINER, "price_increase_charlie", "normal", "assessment", due, 101 - 1, 2,
                                  team_id=ann.team_id, known_personas=list(personas)).id
        low = assignments.create(s, TRAINER, "price_increase_charlie", "normal", "assessment", due, 0, None,
                                 person_ids=[bo.id]).id
        lead = Viewer("leo", Role.lead, team_id=ann.team_id + 1)
        with pytest.raises(PermissionError):
            assignments.create(s, lead, "price_increase_charlie", "normal", "assessment", due, 50, 1,
                               person_ids=[ann.id])
        with pytest.raises(directory.DirectoryError):
            assignments.create(s, TRAINER, "nobody", "normal", "assessment", due, 50, 1, person_ids=[ann.id],
                               known_personas=list(personas))
        ann_id = ann.id

    def status(assignment_id: int, person: str) -> Status:
        with db() as s:
            results.refresh(s, results.floors(personas))
            s.commit()
            rows = assignments.progress(s, TRAINER, assignment_id)
            return next(r.status for r in rows if r.name == person)

    def attempt(sender: str, mode: str, turns: int = 3) -> None:
        trainer.start(sender, "price_increase_charlie", "normal", mode)
        for text in ["Sorry about the rise. What matters most to you?",
                     "I hear you, that is a real jump for your budget.",
                     "What if we kept your price for a year on an annual plan?"][:turns]:
            trainer.turn(sender, text)
        trainer.end(sender)

    assert status(high, "Ann") == Status.not_started
    attempt("web-ann", "practice")  # practice never counts toward an assessment assignment
    assert status(high, "Ann") == Status.not_started
    attempt("web-ann", "assessment")
    assert status(high, "Ann") == Status.in_progress
    attempt("web-ann", "assessment")
    assert status(high, "Ann") == Status.failed  # two attempts used, 100 not reached
    attempt("web-bo", "assessment")
    assert status(low, "Bo") == Status.passed
    assert status(high, "Bo") == Status.in_progress  # the same attempt counts toward every matching assignment
    with db() as s:
        later = datetime.utcnow() + timedelta(days=4)
        overdue = {r.name: r.status for r in assignments.progress(s, TRAINER, high, now=later)}
        assert overdue == {"Ann": Status.failed, "Bo": Status.overdue}
        mine = assignments.open_for(s, ann_id)
        assert mine == []  # Ann's only assignment is failed: nothing open
        soon = assignments.due_tomorrow(s, now=datetime.utcnow() + timedelta(days=2, hours=1))
        assert [(p.name, p.assignment_id) for _, p, _ in soon] == [("Bo", high)]
    attempt("web-bo", "assessment", turns=1)  # too short to assess: it uses an attempt, with no score
    assert status(high, "Bo") == Status.failed  # two attempts used, 100 not reached
    assert status(low, "Bo") == Status.passed  # the best assessed score still counts


def test_a_trainer_joins_two_people_into_one(played):
    with played() as s, s.begin():
        web = directory.add_person(s, "Ann on the web")
        directory.link(s, web, "web-ann-2")
        slack = directory.add_person(s, "Slack U9", slack_user_id="U9")
        directory.link(s, slack, "slack:U9")
        kept = directory.merge(s, web.id, slack.id)
        assert kept.slack_user_id == "U9"
        senders = s.execute(select(Trainee.external_id).join(Identity, Identity.trainee_id == Trainee.id)
                            .where(Identity.person_id == kept.id)).scalars().all()
        assert sorted(senders) == ["slack:U9", "web-ann-2"]
        assert directory.person(s, "Slack U9") is None
        with pytest.raises(directory.DirectoryError):
            directory.merge(s, kept.id, kept.id)


def test_seeding_refuses_a_database_with_real_sessions(played, tmp_path, capsys):
    url = str(played.kw["bind"].url)
    assert cli(["cockpit", "seed", "--trainees", "2", "--sessions", "5", "--url", url]) == 2
    assert "already holds sessions" in capsys.readouterr().err


def test_sign_in_is_throttled_after_repeated_wrong_passwords():
    from parley.cockpit.throttle import Throttle

    now = [0.0]
    throttle = Throttle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.blocked("user:tina", "ip:1.2.3.4") == 0
        throttle.failed("user:tina", "ip:1.2.3.4")
    assert throttle.blocked("user:tina", "ip:9.9.9.9") == 60  # the name is locked from anywhere
    now[0] = 61
    assert throttle.blocked("user:tina") == 0
    throttle.failed("user:leo")
    throttle.succeeded("user:leo")
    assert throttle._failures.get("user:leo") is None
