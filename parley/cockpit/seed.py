"""Demo and benchmark data: teams, trainees and many finished sessions made from real conversations.

The persona conversation tests (personas/tests/*.yml) are played once through the real evaluator and
customer engine; every seeded session copies one of them (its turns, feedback, trust and report), with
its criteria nudged so trainees improve over time.  Sender ids start with "seed-" so seeded people are
easy to tell from real ones.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Dict, List

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from parley.accounts_store import Identity, Person, Team
from parley.cockpit import results
from parley.store import Report, Store, Trainee, TrainingSession, Turn

FIRST = ["Avery", "Blake", "Casey", "Dana", "Eli", "Farah", "Gabe", "Hana", "Ivan", "Jo", "Kai", "Lena", "Mateo",
         "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vik", "Wen", "Yara", "Zoe"]
LAST = ["Nguyen", "Okafor", "Schmidt", "Rossi", "Kowalski", "Haddad", "Silva", "Tanaka", "Moreau", "Larsen",
        "Patel", "Cohen", "Ibrahim", "Novak", "Walsh", "Fischer"]
TEAMS = ["Billing", "Renewals", "Enterprise", "Retention", "Onboarding", "Night shift"]


@dataclass
class Template:
    persona_id: str
    difficulty: str
    turns: List[dict]  # Turn columns
    report: dict
    state: dict


def play_templates(progress: Callable[[str], None] = lambda _: None, files: List[str] | None = None) -> List[Template]:
    """Play every persona conversation test through the real Trainer (in memory) and keep what it stored."""
    from parley.moves import detect
    from parley.persona_tests import TEST_DIR, conversation_files, load_cases
    from parley.personas import load_personas
    from parley.session import Trainer

    personas = load_personas()
    store = Store("sqlite:///:memory:")
    trainer = Trainer(personas, store, detect)
    templates: List[Template] = []
    for path in conversation_files(files or [], TEST_DIR):
        for n, case in enumerate(load_cases(path, personas)):
            sender = f"template-{path.stem}-{n}"
            start = trainer.start(sender, case.test.persona, case.test.difficulty, "assessment")
            reply = start
            for text in case.turns(personas):  # the trainee's words (a turn may also check the reply)
                if reply.ended:
                    break
                reply = trainer.turn(sender, text)
            if not reply.ended:
                trainer.end(sender)
            with store._tx() as db:  # the in-memory store of this function's own Trainer
                row = db.execute(select(TrainingSession).join(Trainee).where(Trainee.external_id == sender)
                                 .order_by(TrainingSession.id.desc())).scalars().first()
                turns = [{"index": t.index, "text": t.text, "moves": t.moves, "points": t.points,
                          "feedback": t.feedback, "detail": t.detail, "customer_reply": t.customer_reply}
                         for t in row.turns]
                report = db.execute(select(Report.payload).where(Report.session_id == row.id)).scalar_one()
                templates.append(Template(row.persona_id, row.difficulty, turns, dict(report), dict(row.state)))
        progress(f"played {path.name}")
    return templates


NOT_ASSESSED_SHARE = 0.05  # sessions given up after a turn or two, as in real use (docs/scoring.md)
NOT_SHOWN_SHARE = 0.08  # a shown criterion that, in this copy, had nothing to judge
NOT_ASSESSED = "Fewer trainee turns about the negotiation than the rubric needs to score a session."
NOT_SHOWN = "Nothing in this session to judge it on."


def nudged(template: dict, shift: float, rng: random.Random) -> dict:
    """A copy of a played report, its scores moved by `shift` plus noise.  A "not shown" criterion (null)
    stays null and a few more become it; a not-assessed template stays not assessed and about one copy in
    twenty becomes one, so the cockpit's data has the nulls real reports have."""
    report = copy.deepcopy(template)
    not_shown = dict(report.get("not_shown") or {})
    if report.get("overall") is None or rng.random() < NOT_ASSESSED_SHARE:
        report.update(overall=None, assessed=False, passed=None,
                      not_assessed=report.get("not_assessed") or NOT_ASSESSED)
        report["criteria"] = {c: None for c in report.get("criteria") or {}}
        report["not_shown"] = {c: not_shown.get(c, NOT_SHOWN) for c in report["criteria"]}
        return report
    criteria = {}
    for c, v in (report.get("criteria") or {}).items():
        if v is None or rng.random() < NOT_SHOWN_SHARE:
            criteria[c] = None
            not_shown[c] = not_shown.get(c, NOT_SHOWN)
        else:
            criteria[c] = int(max(0, min(100, v + shift + rng.gauss(0, 8))))
            not_shown.pop(c, None)
    report["criteria"], report["not_shown"] = criteria, not_shown
    report["overall"] = int(max(0, min(100, report["overall"] + shift + rng.gauss(0, 6))))
    pass_mark = (report.get("rubric") or {}).get("pass_mark")
    if pass_mark is not None:
        report["passed"] = report["overall"] >= pass_mark
    return report


def seed(db: Session, templates: List[Template], floors: Dict[str, float], trainees: int = 100,
         sessions: int = 20000, days: int = 180, seed_value: int = 7, now: datetime | None = None) -> dict:
    rng = random.Random(seed_value)
    now = now or datetime.utcnow()
    teams = []
    for name in TEAMS[:max(1, min(len(TEAMS), trainees // 15 or 1))]:
        team = db.execute(select(Team).where(Team.name == name)).scalar_one_or_none() or Team(name=name)
        db.add(team)
        teams.append(team)
    db.flush()
    taken = set(db.execute(select(Person.name)).scalars())
    trainee_ids, skill = [], []
    for i in range(trainees):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST) + i) % len(LAST)]}"
        while name in taken:
            name += " II" if not name.endswith("I") else "I"
        taken.add(name)
        person = Person(name=name, team_id=teams[i % len(teams)].id)
        trainee = Trainee(external_id=f"seed-{seed_value}-{i:04d}")
        db.add_all([person, trainee])
        db.flush()
        db.add(Identity(trainee_id=trainee.id, person_id=person.id))
        trainee_ids.append(trainee.id)
        skill.append(rng.uniform(-15, 10))
    db.flush()
    next_id = (db.execute(select(func.max(TrainingSession.id))).scalar() or 0) + 1
    rows, turn_rows, report_rows = [], [], []
    for k in range(sessions):
        who = rng.randrange(len(trainee_ids))
        template = rng.choice(templates)
        ended = now - timedelta(days=days * (1 - (k + rng.random()) / sessions) ** 1.3, minutes=rng.randrange(600))
        started = ended - timedelta(minutes=rng.randint(3, 25))
        growth = 20 * (k / sessions)  # everyone improves a little over the period
        report = nudged(template.report, skill[who] + growth, rng)
        mode = "assessment" if rng.random() < 0.3 else "practice"
        report["mode"] = mode
        sid = next_id + k
        rows.append({"id": sid, "trainee_id": trainee_ids[who], "persona_id": template.persona_id,
                     "difficulty": template.difficulty, "mode": mode, "status": "finished", "state": template.state,
                     "started_at": started, "ended_at": ended})
        for t in template.turns:
            turn_rows.append({**t, "session_id": sid, "created_at": started})
        report_rows.append({"session_id": sid, "overall": report["overall"], "payload": report, "created_at": ended})
        if len(rows) >= 1000 or k == sessions - 1:
            db.execute(insert(TrainingSession), rows)
            db.execute(insert(Turn), turn_rows)
            db.execute(insert(Report), report_rows)
            rows, turn_rows, report_rows = [], [], []
    copied = results.refresh(db, floors)
    return {"teams": len(teams), "trainees": trainees, "sessions": sessions, "results": copied}
