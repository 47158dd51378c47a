"""The pages a trainer, lead or trainee reads: home, rubric, overview, a trainee's progress, /me, a
session's transcript, and the forms on them (comments, sharing, joining trainees, adding people)."""

from __future__ import annotations

import os
import time

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley.accounts_store import Comment, Team
from parley.cockpit import assignments, directory, queries, rubric
from parley.cockpit.auth import Role, Viewer, sign
from parley.rubrics import RubricError
from parley_web.web import page, signed_in, to_int

MAX_COMMENT = 4000
PERIODS = (7, 30, 90, 365)


@signed_in
async def home(request: Request, viewer: Viewer) -> HTTPResponse:
    return response.redirect("/overview" if viewer.is_staff else "/me")


async def rubric_page(request: Request) -> HTTPResponse:
    # ?persona=ID shows the rubric that persona names, ?rubric=NAME a rubric by name; else the default
    try:
        persona = (request.args.get("persona") or "").strip()
        name = rubric.rubric_for_persona(persona) if persona else (request.args.get("rubric") or None)
        return page(request, "rubric.html", rubric=rubric.page(name), persona=persona)
    except RubricError as exc:
        said = str(exc)
        return page(request, "error.html", 404, title="Rubric not available",
                    message=f"{said[:1].upper()}{said[1:]}.")


@signed_in
async def overview(request: Request, viewer: Viewer) -> HTTPResponse:
    days = to_int(request.args.get("days"), 30)
    days = days if days in PERIODS else 30
    team = to_int(request.args.get("team"), None)
    with request.app.ctx.db.tx() as tx:
        data = queries.overview(tx, viewer, days, team)
    names = rubric.names()
    chart = {"criteria": list(names), "labels": [names[c] for c in names],
             "trainees": [t.name for t in data.trainees if t.person_id in data.heatmap],
             "cells": [{"x": names.get(c, c), "y": t.name, "v": v}
                       for t in data.trainees for c, v in data.heatmap.get(t.person_id, {}).items()],
             "personas": [{"persona": p.persona_id, "deal_rate": p.deal_rate, "price": p.average_price,
                           "floor": p.floor} for p in data.personas]}
    return page(request, "overview.html", data=data, periods=PERIODS, chart=chart)


def signin_links(request: Request, person_id: int) -> tuple[str, str]:
    """The cockpit sign-in link for a trainee, and the same token on the practice page's address."""
    token = sign({"person": person_id, "iat": time.time()}, "signin")
    link = f"{request.scheme}://{request.host}/signin/{token}"
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    page_url = os.environ.get("PARLEY_WEB_URL") or \
        f"{request.scheme}://{host}:{os.environ.get('WEB_PORT', '8080')}"
    return link, f"{page_url.rstrip('/')}/?signin={token}"


@signed_in
async def trainee(request: Request, viewer: Viewer, person_id: int) -> HTTPResponse:
    with request.app.ctx.db.tx() as tx:
        data = queries.progress(tx, viewer, person_id)
        tasks = assignments.progress(tx, viewer, person_id=person_id)
        link = page_link = None
        if viewer.is_staff:
            link, page_link = signin_links(request, person_id)
        others = [p for p in directory.people(tx, viewer) if p.id != person_id] if viewer.is_staff else []
    return page(request, "progress.html", data=data, chart={"series": data.series, "names": rubric.names()},
                signin_link=link, page_link=page_link, tasks=tasks, others=others)


@signed_in
async def me(request: Request, viewer: Viewer) -> HTTPResponse:
    if viewer.person_id is None:
        return response.redirect("/overview")
    with request.app.ctx.db.tx() as tx:
        data = queries.progress(tx, viewer, viewer.person_id)
        tasks = assignments.progress(tx, viewer, person_id=viewer.person_id)
    return page(request, "progress.html", data=data, chart={"series": data.series, "names": rubric.names()},
                signin_link=None, tasks=tasks)


@signed_in
async def session_page(request: Request, viewer: Viewer, session_id: int) -> HTTPResponse:
    with request.app.ctx.db.tx() as tx:
        data = queries.transcript(tx, viewer, session_id)
    chart = {"turns": [t.index for t in data.turns], "trust": [t.trust for t in data.turns],
             "patience": [t.patience for t in data.turns]}
    return page(request, "transcript.html", data=data, chart=chart)


@signed_in
async def add_comment(request: Request, viewer: Viewer, session_id: int) -> HTTPResponse:
    if not viewer.is_staff:
        raise queries.Forbidden()
    text = (request.form.get("text") or "").strip()
    with request.app.ctx.db.tx() as tx:
        queries.transcript_access(tx, viewer, session_id)
        if not text:
            return response.redirect(f"/sessions/{session_id}?error=empty#comments")
        tx.add(Comment(session_id=session_id, author=viewer.name, text=text[:MAX_COMMENT]))
    return response.redirect(f"/sessions/{session_id}#comments")


@signed_in
async def share(request: Request, viewer: Viewer, session_id: int) -> HTTPResponse:
    if viewer.role != Role.trainee:
        raise queries.Forbidden()
    with request.app.ctx.db.tx() as tx:
        if not directory.set_shared(tx, session_id, viewer.person_id, request.form.get("shared") == "1"):
            raise queries.Forbidden()
    return response.redirect(f"/sessions/{session_id}")


@signed_in
async def merge_person(request: Request, viewer: Viewer, person_id: int) -> HTTPResponse:
    if not viewer.is_staff:
        raise queries.Forbidden()
    other = to_int(request.form.get("other"), None) or 0
    try:
        with request.app.ctx.db.tx() as tx:
            queries.person_in_view(tx, viewer, person_id)  # both must be the viewer's to see
            queries.person_in_view(tx, viewer, other)
            directory.merge(tx, person_id, other)
    except directory.DirectoryError as exc:
        return page(request, "error.html", 400, title="Could not join the trainees", message=str(exc))
    return response.redirect(f"/trainees/{person_id}")


@signed_in
async def add_person(request: Request, viewer: Viewer) -> HTTPResponse:
    if not viewer.is_staff:
        raise queries.Forbidden()
    try:
        with request.app.ctx.db.tx() as tx:
            team = request.form.get("team") or None
            if viewer.role == Role.lead:
                team = tx.get(Team, viewer.team_id).name
            person = directory.add_person(tx, request.form.get("name", ""), team)
            pid = person.id
    except directory.DirectoryError as exc:
        return page(request, "error.html", 400, title="Could not add the trainee", message=str(exc))
    return response.redirect(f"/trainees/{pid}")


def register(app: Sanic) -> None:
    app.add_route(home, "/", methods=["GET"])
    app.add_route(rubric_page, "/rubric", methods=["GET"])
    app.add_route(overview, "/overview", methods=["GET"])
    app.add_route(trainee, "/trainees/<person_id:int>", methods=["GET"])
    app.add_route(me, "/me", methods=["GET"])
    app.add_route(session_page, "/sessions/<session_id:int>", methods=["GET"])
    app.add_route(add_comment, "/sessions/<session_id:int>/comments", methods=["POST"])
    app.add_route(share, "/sessions/<session_id:int>/share", methods=["POST"])
    app.add_route(merge_person, "/trainees/<person_id:int>/merge", methods=["POST"])
    app.add_route(add_person, "/people", methods=["POST"])
