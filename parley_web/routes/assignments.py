"""Assignments: the trainer's page and form, one assignment's progress, and the JSON API
(GET with the session cookie; POST with the X-CSRF-Token header)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley.cockpit import assignments, directory, queries
from parley.cockpit.auth import Viewer
from parley_web.db import CockpitDB
from parley_web.web import csrf_header_ok, page, session_of, signed_in, to_int, viewer_of


def assignment_form(request: Request, viewer: Viewer, tx, error: str | None = None,  # type: ignore[no-untyped-def]
                    status: int = 200) -> HTTPResponse:
    rows = assignments.progress(tx, viewer)
    summary: Dict[int, Dict[str, Any]] = {}
    for r in rows:
        item = summary.setdefault(r.assignment_id, {"row": r, "counts": {s.value: 0 for s in assignments.Status}})
        item["counts"][r.status.value] += 1
    return page(request, "assignments.html", status, summary=list(summary.values()),
                people=directory.people(tx, viewer), teams=assignments.team_options(tx, viewer),
                personas=request.app.ctx.db.personas(), error=error,
                form={k: request.form.get(k) for k in request.form} if error and request.form else {},
                statuses=[s.value for s in assignments.Status])


def create_assignment(db: CockpitDB, tx, viewer: Viewer, data: Dict[str, Any]) -> int:  # type: ignore[no-untyped-def]
    try:
        due = datetime.fromisoformat(str(data.get("due") or ""))
    except ValueError as exc:
        raise directory.DirectoryError("Give the due date as YYYY-MM-DD (or with a time, YYYY-MM-DDTHH:MM).") \
            from exc
    if len(str(data.get("due"))) <= 10:
        due = due.replace(hour=23, minute=59)  # a date means the end of that day
    limit = str(data.get("max_attempts") or "").strip()
    try:
        row = assignments.create(
            tx, viewer, str(data.get("persona") or ""), str(data.get("difficulty") or "normal"),
            str(data.get("mode") or "assessment"), due, int(data.get("min_score") or 0),
            int(limit) if limit else None, [int(p) for p in data.get("people") or []],
            to_int(str(data.get("team") or "") or None, None), known_personas=list(db.personas()))
    except ValueError as exc:
        if isinstance(exc, directory.DirectoryError):
            raise
        raise directory.DirectoryError("Minimum score and attempt limit are whole numbers.") from exc
    return int(row.id)


@signed_in
async def assignments_page(request: Request, viewer: Viewer) -> HTTPResponse:
    if not viewer.is_staff:
        return response.redirect("/me")
    with request.app.ctx.db.tx() as tx:
        return assignment_form(request, viewer, tx)


@signed_in
async def assignments_create(request: Request, viewer: Viewer) -> HTTPResponse:
    if not viewer.is_staff:
        raise queries.Forbidden()
    db: CockpitDB = request.app.ctx.db
    data = {k: request.form.get(k) for k in ("persona", "difficulty", "mode", "due", "min_score",
                                             "max_attempts", "team")}
    data["people"] = request.form.getlist("people") or []
    try:
        with db.tx() as tx:
            new_id = create_assignment(db, tx, viewer, data)
    except directory.DirectoryError as exc:
        with db.tx() as tx:
            return assignment_form(request, viewer, tx, str(exc), 400)
    except PermissionError:
        raise queries.Forbidden() from None
    return response.redirect(f"/assignments/{new_id}")


@signed_in
async def assignment_detail(request: Request, viewer: Viewer, assignment_id: int) -> HTTPResponse:
    with request.app.ctx.db.tx() as tx:
        rows = assignments.progress(tx, viewer, assignment_id)
    if not rows:
        raise queries.Forbidden()
    return page(request, "assignment.html", rows=rows, first=rows[0])


@signed_in
async def api_assignments(request: Request, viewer: Viewer) -> HTTPResponse:
    with request.app.ctx.db.tx() as tx:
        rows = assignments.progress(tx, viewer)
    return response.json({"assignments": [r.to_dict() for r in rows]})


async def api_create(request: Request) -> HTTPResponse:
    viewer = viewer_of(request)
    if viewer is None:
        return response.json({"error": "sign in first"}, status=401)
    if not csrf_header_ok(request):
        return response.json({"error": "missing or wrong X-CSRF-Token header"}, status=403)
    if not viewer.is_staff:
        return response.json({"error": "only trainers and leads assign"}, status=403)
    try:
        data = request.json
    except Exception:  # noqa: BLE001  # malformed JSON: Sanic raises its own error
        data = None
    if not isinstance(data, dict):
        return response.json({"error": "send a JSON object"}, status=400)
    db: CockpitDB = request.app.ctx.db
    try:
        with db.tx() as tx:
            new_id = create_assignment(db, tx, viewer, data)
            rows = assignments.progress(tx, viewer, new_id)
    except directory.DirectoryError as exc:
        return response.json({"error": str(exc)}, status=400)
    except PermissionError as exc:
        return response.json({"error": str(exc)}, status=403)
    return response.json({"id": new_id, "targets": [r.to_dict() for r in rows]}, status=201)


@signed_in
async def api_csrf(request: Request, viewer: Viewer) -> HTTPResponse:
    return response.json({"csrf": session_of(request)["csrf"]})


def register(app: Sanic) -> None:
    app.add_route(assignments_page, "/assignments", methods=["GET"])
    app.add_route(assignments_create, "/assignments", methods=["POST"])
    app.add_route(assignment_detail, "/assignments/<assignment_id:int>", methods=["GET"])
    app.add_route(api_assignments, "/api/assignments", methods=["GET"])
    app.add_route(api_create, "/api/assignments", methods=["POST"])
    app.add_route(api_csrf, "/api/csrf", methods=["GET"])
