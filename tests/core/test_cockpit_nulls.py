"""The cockpit with the new scoring's nulls: a "not shown" criterion (null) is left out of that
criterion's averages (neither 0 nor 100), a not-assessed session (overall null) counts as practised but
not in score averages, in every aggregate the cockpit shows or exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import sessionmaker

from parley.accounts_store import ResultWeek
from parley.cockpit import directory, exports, queries, results, rubric, summaries, xapi
from parley.cockpit.auth import Role, Viewer
from parley.store import Report, Store, Trainee, TrainingSession

TRAINER = Viewer("tina", Role.trainer)
NOW = datetime(2026, 12, 3, 15, 30)  # a Thursday: the 7-day period starts mid-week
CRITERIA = [c.id for c in rubric.criteria()]


def _report(overall: float | None, scores: dict, deal: bool = False, price: float | None = None) -> dict:
    criteria = {c: scores.get(c, overall) for c in CRITERIA}
    if overall is None:
        criteria = {c: None for c in CRITERIA}
    return {"overall": overall, "assessed": overall is not None, "passed": None if overall is None else overall >= 70,
            "criteria": criteria, "not_shown": {c: "nothing to judge" for c, v in criteria.items() if v is None},
            "outcome": {"deal": deal, "price": price}}


@pytest.fixture()
def world(tmp_path):
    """Ann: 60 with closing not shown (last Friday: a day before the period's first whole week), 80 with
    closing 70, and a not-assessed session; Bo: one 40 with closing not shown."""
    store = Store(f"sqlite:///{tmp_path / 'n.db'}")
    db = sessionmaker(store.engine, future=True)
    plan = [("web-ann", NOW - timedelta(days=6), _report(60, {"closing": None}, deal=True, price=20.0)),
            ("web-ann", NOW - timedelta(days=2), _report(80, {"closing": 70})),
            ("web-ann", NOW - timedelta(days=1), _report(None, {})),
            ("web-bo", NOW - timedelta(days=1), _report(40, {"closing": None}))]
    ids = []
    with db() as s, s.begin():
        people = {"web-ann": directory.add_person(s, "Ann", "Billing"),
                  "web-bo": directory.add_person(s, "Bo", "Billing")}
        for sender, person in people.items():
            directory.link(s, person, sender)
        trainee = {t.external_id: t.id for t in s.query(Trainee)}
        for sender, ended, report in plan:
            row = TrainingSession(trainee_id=trainee[sender], persona_id="price_increase_charlie", difficulty="normal",
                                  mode="assessment", status="finished", state={},
                                  started_at=ended - timedelta(minutes=9), ended_at=ended)
            s.add(row)
            s.flush()
            s.add(Report(session_id=row.id, overall=report["overall"], payload=report, created_at=ended))
            ids.append(row.id)
        s.flush()
        assert results.refresh(s, {"price_increase_charlie": 18.0}) == 4
        person_ids = {sender: p.id for sender, p in people.items()}
    return db, ids, person_ids


def test_weekly_rollup_counts_practised_sessions_apart_from_assessed_ones(world):
    db, _, _ = world
    with db() as s:
        weeks = s.query(ResultWeek).all()
        assert sum(w.n for w in weeks) == 4 and sum(w.overall_n for w in weeks) == 3
        assert sum(w.overall_total for w in weeks) == 60 + 80 + 40


@pytest.mark.parametrize("days", [7, 30])  # 7: last Friday is read from the rows; 30: all from the rollups
def test_overview_leaves_nulls_out_of_every_average(world, days):
    db, _, people = world
    with db() as s:
        view = queries.overview(s, TRAINER, days=days, now=NOW)
    ann = next(t for t in view.trainees if t.name == "Ann")
    assert ann.sessions == 3  # the not-assessed session is practised ...
    assert ann.average == 70.0  # ... but not averaged: (60 + 80) / 2, not 140 / 3
    assert view.heatmap[people["web-ann"]]["closing"] == 70.0  # not shown once: neither 35 nor 85
    assert view.heatmap[people["web-ann"]]["rapport"] == 70.0
    assert "closing" not in view.heatmap[people["web-bo"]]  # never shown: no cell, not 0
    assert view.criteria["closing"] == 70.0 and view.criteria["rapport"] == 60.0  # (60 + 80 + 40) / 3
    assert view.weakest != "closing" and view.criteria[view.weakest] == 60.0  # a 0 for "not shown" would pick closing
    persona = view.personas[0]
    assert persona.sessions == 4 and persona.deal_rate == 25.0 and persona.average_price == 20.0


def test_progress_lines_first_versus_best_and_sessions_with_nulls(world):
    db, ids, people = world
    with db() as s:
        data = queries.progress(s, TRAINER, people["web-ann"], today=NOW.date())
    closing = dict(data.series["closing"])
    assert list(closing.values()) == [70.0]  # last week's not-shown closing is no point on the line
    assert data.first_best == [{"persona_id": "price_increase_charlie", "difficulty": "normal", "first": 60.0,
                                "best": 80.0, "attempts": 3}]
    by_id = {r.session_id: r.overall for r in data.sessions}
    assert by_id[ids[2]] is None and by_id[ids[1]] == 80.0


def test_a_weekly_line_skips_a_not_shown_point():
    rows = queries.weekly([(NOW, "closing", None), (NOW, "closing", 50)], ["closing"])
    assert rows["closing"][0][1] == 50.0


def test_chat_summary_keeps_a_not_assessed_session_and_ignores_not_shown_for_the_weakest(world):
    db, _, people = world
    with db() as s:
        summary = summaries.trainee(s, people["web-bo"], now=NOW)
        ann = summaries.trainee(s, people["web-ann"], now=NOW)
    assert summary.weakest is not None and summary.weakest[0] != rubric.names()["closing"]
    assert [last[3] for last in ann.last] == [None, 80.0, 60.0]


def test_exports_leave_nulls_blank_in_csv_and_null_in_json(world):
    db, ids, _ = world
    with db() as s:
        records = list(exports.rows(s, TRAINER, exports.Filters()))
    by_id = {r["session_id"]: r for r in records}
    assert by_id[ids[0]]["criteria"]["closing"] is None and by_id[ids[0]]["criteria"]["rapport"] == 60
    assert by_id[ids[2]]["overall"] is None
    table = list(csv.DictReader(io.StringIO("".join(exports.to_csv(iter(records))))))
    row = {r["session_id"]: r for r in table}
    assert row[str(ids[0])]["closing"] == "" and row[str(ids[0])]["rapport"] == "60"
    assert row[str(ids[2])]["overall"] == ""
    payload = json.loads(exports.to_json(iter(records)))
    assert [r["overall"] for r in payload["sessions"]][2] is None


def test_xapi_has_no_score_and_no_verdict_for_a_not_assessed_session(world):
    db, ids, _ = world
    settings = xapi.Settings(base="https://parley.example.com")
    with db() as s:
        skipped = xapi.statements(s, ids[2], settings)
        scored = xapi.statements(s, ids[1], settings)
    verbs = [st["verb"]["display"]["en-US"] for st in skipped]
    assert verbs == ["attempted", "completed"]  # an assessment, but neither passed nor failed
    completed = skipped[1]["result"]
    assert "score" not in completed and completed["completion"] is True
    assert completed["extensions"]["https://parley.example.com/xapi/assessed"] is False
    assert scored[1]["result"]["score"]["raw"] == 80.0 and "passed" in [st["verb"]["display"]["en-US"] for st in scored]


def test_seeded_data_has_some_not_shown_criteria_and_not_assessed_sessions():
    import random

    from parley.cockpit.seed import nudged

    template = _report(60, {"closing": None})
    reports = [nudged(template, 5.0, random.Random(n)) for n in range(400)]
    skipped = [r for r in reports if r["overall"] is None]
    assert 0.02 < len(skipped) / len(reports) < 0.1
    assert all(r["assessed"] is False and set(r["criteria"].values()) == {None} for r in skipped)
    scored = [r for r in reports if r["overall"] is not None]
    assert all(r["criteria"]["closing"] is None and "closing" in r["not_shown"] for r in scored)  # stays null
    others = [v for r in scored for c, v in r["criteria"].items() if c != "closing"]
    assert 0.03 < others.count(None) / len(others) < 0.15
    assert all(set(r["not_shown"]) == {c for c, v in r["criteria"].items() if v is None} for r in reports)
