"""The cockpit's routes.  Every page is a Jinja2 template (autoescaped); every form carries the
session's CSRF token; the data a chart needs sits in a JSON island (<script type="application/json">,
never executed) that static/cockpit.js hands to Chart.js."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley.accounts_store import Comment, Person, Team
from parley.cockpit import assignments, directory, exports, queries, retention, rubric, xapi
from parley.cockpit.auth import Role, Viewer, sign, unsign
from parley.cockpit.throttle import Throttle
from parley.rubrics import RubricError
from parley_web.db import CockpitDB

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("parley.cockpit")
COOKIE = "parley_cockpit"
SESSION_AGE = 12 * 3600
LINK_AGE = 14 * 24 * 3600
MAX_COMMENT = 4000
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
STATIC = {
    "cockpit.js": (HERE / "static" / "cockpit.js", "text/javascript; charset=utf-8"),
    "cockpit.css": (HERE / "static" / "cockpit.css", "text/css; charset=utf-8"),
    "chart.umd.min.js": (HERE / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js",
                         "text/javascript; charset=utf-8"),
    "chartjs-chart-matrix.min.js": (HERE / "node_modules" / "chartjs-chart-matrix" / "dist" /
                                    "chartjs-chart-matrix.min.js", "text/javascript; charset=utf-8"),
}
PERIODS = (7, 30, 90, 365)


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    env.filters["day"] = lambda d: d.strftime("%d %b %Y") if d else "never"
    env.filters["when"] = lambda d: d.strftime("%d %b %Y %H:%M") if d else ""
    env.filters["num"] = lambda v: "–" if v is None else (f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}")
    env.filters["pretty"] = lambda s: str(s).replace("_", " ")
    return env


def create_app(db_url: str | None = None, name: str = "parley_cockpit") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.ctx.db = CockpitDB(db_url)
    app.ctx.env = templates()
    # wrong passwords: 5 per user name, 50 per address (a shared office address), within 15 minutes
    app.ctx.throttle = Throttle(limit=int(os.environ.get("PARLEY_LOGIN_ATTEMPTS", "5")), window=900)
    app.ctx.address_throttle = Throttle(limit=50, window=900)
    db: CockpitDB = app.ctx.db
    env: Environment = app.ctx.env

    # -- session, CSRF ---------------------------------------------------------------------------
    def session_of(request: Request) -> Dict[str, Any]:
        if not hasattr(request.ctx, "session"):
            token = request.cookies.get(COOKIE) or ""
            request.ctx.session = unsign(token, "session", SESSION_AGE) or {}
            request.ctx.new_session = False
            if "csrf" not in request.ctx.session:
                request.ctx.session = {"csrf": secrets.token_urlsafe(24), "iat": time.time()}
                request.ctx.new_session = True
        return request.ctx.session

    def viewer_of(request: Request) -> Viewer | None:
        s = session_of(request)
        if "role" not in s:
            return None
        return Viewer(s["name"], Role(s["role"]), team_id=s.get("team"), person_id=s.get("person"))

    def start_session(request: Request, viewer: Viewer) -> None:
        request.ctx.session = {"csrf": secrets.token_urlsafe(24), "iat": time.time(), "name": viewer.name,
                               "role": viewer.role.value, "team": viewer.team_id, "person": viewer.person_id}
        request.ctx.new_session = True

    def csrf_ok(request: Request) -> bool:
        sent = request.form.get("csrf") if request.form else None
        return bool(sent) and secrets.compare_digest(sent, session_of(request)["csrf"])

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
        body = env.get_template(template).render(viewer=viewer_of(request), csrf=session_of(request)["csrf"],
                                                 criterion_names=rubric.names(), **context)
        return response.html(body, status=status)

    def forbidden(request: Request) -> HTTPResponse:
        return page(request, "error.html", 403, title="Not yours to see",
                    message="You do not have access to this page. Practice transcripts belong to their trainee; "
                            "leads see their own team; trainees see their own history.")

    def not_found(request: Request, what: str = "This page") -> HTTPResponse:
        return page(request, "error.html", 404, title="Not found", message=f"{what} does not exist.")

    def signed_in(handler: Callable) -> Callable:
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            viewer = viewer_of(request)
            if viewer is None:
                return response.redirect(f"/login?next={request.path}")
            if request.method == "POST" and not csrf_ok(request):
                return page(request, "error.html", 403, title="Form expired",
                            message="This form was missing its security token (or it expired). Go back, reload "
                                    "the page and send it again.")
            db.refresh()
            try:
                return await handler(request, viewer, *args, **kwargs)
            except queries.Forbidden:
                return forbidden(request)
            except queries.NotFound:
                return not_found(request)
        wrapped.__name__ = handler.__name__
        return wrapped

    @app.on_response
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"
        if getattr(request.ctx, "new_session", False):
            resp.cookies[COOKIE] = sign(request.ctx.session, "session")
            resp.cookies[COOKIE]["httponly"] = True
            resp.cookies[COOKIE]["samesite"] = "Lax"
            resp.cookies[COOKIE]["path"] = "/"
            resp.cookies[COOKIE]["max-age"] = SESSION_AGE

    # -- static files: a fixed list -----------------------------------------------------------------
    @app.get("/static/<name>")
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in STATIC:
            return response.text("Not found", status=404)
        path, content_type = STATIC[name]
        if not path.exists():
            return response.text("Not installed: run `bash scripts/setup.sh` (npm ci in parley_web/).", status=404)
        return response.raw(path.read_bytes(), content_type=content_type, headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico")
    async def favicon(request: Request) -> HTTPResponse:
        return response.empty()

    # -- sign in / out ---------------------------------------------------------------------------------
    @app.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return page(request, "login.html", next=_safe_next(request.args.get("next")))

    @app.post("/login")
    async def login(request: Request) -> HTTPResponse:
        if not csrf_ok(request):
            return page(request, "login.html", 403, error="The form expired; please sign in again.", next="/")
        username = (request.form.get("username") or "").strip()
        user, address = username.lower(), request.remote_addr or request.ip
        wait = max(app.ctx.throttle.blocked(user), app.ctx.address_throttle.blocked(address))
        if wait:
            return page(request, "login.html", 429, next=_safe_next(request.form.get("next")),
                        error=f"Too many wrong passwords. Try again in {int(wait // 60) + 1} minutes.")
        with db.tx() as tx:
            viewer = directory.authenticate(tx, username, request.form.get("password", ""))
        if viewer is None:
            app.ctx.throttle.failed(user)
            app.ctx.address_throttle.failed(address)
            return page(request, "login.html", 401, error="Wrong user name or password.",
                        next=_safe_next(request.form.get("next")))
        app.ctx.throttle.succeeded(user)
        start_session(request, viewer)
        return response.redirect(_safe_next(request.form.get("next")))

    @app.get("/signin/<token>")
    async def signin_link(request: Request, token: str) -> HTTPResponse:
        payload = unsign(token, "signin", LINK_AGE)
        with db.tx() as tx:
            person = tx.get(Person, int(payload["person"])) if payload else None
            if person is None:
                return page(request, "error.html", 403, title="Link not valid",
                            message="This sign-in link is not valid or has expired. Ask your trainer for a new one.")
            viewer = Viewer(person.name, Role.trainee, team_id=person.team_id, person_id=person.id)
        start_session(request, viewer)
        return response.redirect("/me")

    @app.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        if csrf_ok(request):
            request.ctx.session = {"csrf": secrets.token_urlsafe(24), "iat": time.time()}
            request.ctx.new_session = True
        return response.redirect("/login")

    # -- pages ---------------------------------------------------------------------------------------------
    @app.get("/")
    @signed_in
    async def home(request: Request, viewer: Viewer) -> HTTPResponse:
        return response.redirect("/overview" if viewer.is_staff else "/me")

    @app.get("/rubric")
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

    @app.get("/overview")
    @signed_in
    async def overview(request: Request, viewer: Viewer) -> HTTPResponse:
        days = _int(request.args.get("days"), 30)
        days = days if days in PERIODS else 30
        team = _int(request.args.get("team"), None)
        with db.tx() as tx:
            data = queries.overview(tx, viewer, days, team)
        names = rubric.names()
        chart = {"criteria": list(names), "labels": [names[c] for c in names],
                 "trainees": [t.name for t in data.trainees if t.person_id in data.heatmap],
                 "cells": [{"x": names.get(c, c), "y": t.name, "v": v}
                           for t in data.trainees for c, v in data.heatmap.get(t.person_id, {}).items()],
                 "personas": [{"persona": p.persona_id, "deal_rate": p.deal_rate, "price": p.average_price,
                               "floor": p.floor} for p in data.personas]}
        return page(request, "overview.html", data=data, periods=PERIODS, chart=chart)

    @app.get("/trainees/<person_id:int>")
    @signed_in
    async def trainee(request: Request, viewer: Viewer, person_id: int) -> HTTPResponse:
        with db.tx() as tx:
            data = queries.progress(tx, viewer, person_id)
            tasks = assignments.progress(tx, viewer, person_id=person_id)
            link = page_link = None
            if viewer.is_staff:
                token = sign({"person": person_id, "iat": time.time()}, "signin")
                link = f"{request.scheme}://{request.host}/signin/{token}"
                host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
                page_url = os.environ.get("PARLEY_WEB_URL") or \
                    f"{request.scheme}://{host}:{os.environ.get('WEB_PORT', '8080')}"
                page_link = f"{page_url.rstrip('/')}/?signin={token}"
            others = [p for p in directory.people(tx, viewer) if p.id != person_id] if viewer.is_staff else []
        return page(request, "progress.html", data=data, chart={"series": data.series, "names": rubric.names()},
                    signin_link=link, page_link=page_link, tasks=tasks, others=others)

    @app.get("/me")
    @signed_in
    async def me(request: Request, viewer: Viewer) -> HTTPResponse:
        if viewer.person_id is None:
            return response.redirect("/overview")
        with db.tx() as tx:
            data = queries.progress(tx, viewer, viewer.person_id)
            tasks = assignments.progress(tx, viewer, person_id=viewer.person_id)
        return page(request, "progress.html", data=data, chart={"series": data.series, "names": rubric.names()},
                    signin_link=None, tasks=tasks)

    @app.get("/sessions/<session_id:int>")
    @signed_in
    async def session_page(request: Request, viewer: Viewer, session_id: int) -> HTTPResponse:
        with db.tx() as tx:
            data = queries.transcript(tx, viewer, session_id)
        chart = {"turns": [t.index for t in data.turns], "trust": [t.trust for t in data.turns],
                 "patience": [t.patience for t in data.turns]}
        return page(request, "transcript.html", data=data, chart=chart)

    @app.post("/sessions/<session_id:int>/comments")
    @signed_in
    async def add_comment(request: Request, viewer: Viewer, session_id: int) -> HTTPResponse:
        if not viewer.is_staff:
            raise queries.Forbidden()
        text = (request.form.get("text") or "").strip()
        with db.tx() as tx:
            queries.transcript_access(tx, viewer, session_id)
            if not text:
                return response.redirect(f"/sessions/{session_id}?error=empty#comments")
            tx.add(Comment(session_id=session_id, author=viewer.name, text=text[:MAX_COMMENT]))
        return response.redirect(f"/sessions/{session_id}#comments")

    @app.post("/sessions/<session_id:int>/share")
    @signed_in
    async def share(request: Request, viewer: Viewer, session_id: int) -> HTTPResponse:
        if viewer.role != Role.trainee:
            raise queries.Forbidden()
        with db.tx() as tx:
            if not directory.set_shared(tx, session_id, viewer.person_id, request.form.get("shared") == "1"):
                raise queries.Forbidden()
        return response.redirect(f"/sessions/{session_id}")

    @app.post("/trainees/<person_id:int>/merge")
    @signed_in
    async def merge_person(request: Request, viewer: Viewer, person_id: int) -> HTTPResponse:
        if not viewer.is_staff:
            raise queries.Forbidden()
        other = _int(request.form.get("other"), None) or 0
        try:
            with db.tx() as tx:
                queries.person_in_view(tx, viewer, person_id)  # both must be the viewer's to see
                queries.person_in_view(tx, viewer, other)
                directory.merge(tx, person_id, other)
        except directory.DirectoryError as exc:
            return page(request, "error.html", 400, title="Could not join the trainees", message=str(exc))
        return response.redirect(f"/trainees/{person_id}")

    @app.post("/people")
    @signed_in
    async def add_person(request: Request, viewer: Viewer) -> HTTPResponse:
        if not viewer.is_staff:
            raise queries.Forbidden()
        try:
            with db.tx() as tx:
                team = request.form.get("team") or None
                if viewer.role == Role.lead:
                    team = tx.get(Team, viewer.team_id).name
                person = directory.add_person(tx, request.form.get("name", ""), team)
                pid = person.id
        except directory.DirectoryError as exc:
            return page(request, "error.html", 400, title="Could not add the trainee", message=str(exc))
        return response.redirect(f"/trainees/{pid}")

    # -- assignments -----------------------------------------------------------------------------------
    def assignment_form(request: Request, viewer: Viewer, tx, error: str | None = None,  # type: ignore[no-untyped-def]
                        status: int = 200) -> HTTPResponse:
        rows = assignments.progress(tx, viewer)
        summary: Dict[int, Dict[str, Any]] = {}
        for r in rows:
            item = summary.setdefault(r.assignment_id, {"row": r, "counts": {s.value: 0 for s in assignments.Status}})
            item["counts"][r.status.value] += 1
        return page(request, "assignments.html", status, summary=list(summary.values()),
                    people=directory.people(tx, viewer), teams=assignments.team_options(tx, viewer),
                    personas=db.personas(), error=error,
                    form={k: request.form.get(k) for k in request.form} if error and request.form else {},
                    statuses=[s.value for s in assignments.Status])

    def create_assignment(tx, viewer: Viewer, data: Dict[str, Any]) -> int:  # type: ignore[no-untyped-def]
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
                _int(str(data.get("team") or "") or None, None), known_personas=list(db.personas()))
        except ValueError as exc:
            if isinstance(exc, directory.DirectoryError):
                raise
            raise directory.DirectoryError("Minimum score and attempt limit are whole numbers.") from exc
        return int(row.id)

    @app.get("/assignments")
    @signed_in
    async def assignments_page(request: Request, viewer: Viewer) -> HTTPResponse:
        if not viewer.is_staff:
            return response.redirect("/me")
        with db.tx() as tx:
            return assignment_form(request, viewer, tx)

    @app.post("/assignments")
    @signed_in
    async def assignments_create(request: Request, viewer: Viewer) -> HTTPResponse:
        if not viewer.is_staff:
            raise queries.Forbidden()
        data = {k: request.form.get(k) for k in ("persona", "difficulty", "mode", "due", "min_score",
                                                 "max_attempts", "team")}
        data["people"] = request.form.getlist("people") or []
        try:
            with db.tx() as tx:
                new_id = create_assignment(tx, viewer, data)
        except directory.DirectoryError as exc:
            with db.tx() as tx:
                return assignment_form(request, viewer, tx, str(exc), 400)
        except PermissionError:
            raise queries.Forbidden() from None
        return response.redirect(f"/assignments/{new_id}")

    @app.get("/assignments/<assignment_id:int>")
    @signed_in
    async def assignment_detail(request: Request, viewer: Viewer, assignment_id: int) -> HTTPResponse:
        with db.tx() as tx:
            rows = assignments.progress(tx, viewer, assignment_id)
        if not rows:
            raise queries.Forbidden()
        return page(request, "assignment.html", rows=rows, first=rows[0])

    @app.get("/api/assignments")
    @signed_in
    async def api_assignments(request: Request, viewer: Viewer) -> HTTPResponse:
        with db.tx() as tx:
            rows = assignments.progress(tx, viewer)
        return response.json({"assignments": [r.to_dict() for r in rows]})

    @app.post("/api/assignments")
    async def api_create(request: Request) -> HTTPResponse:
        viewer = viewer_of(request)
        if viewer is None:
            return response.json({"error": "sign in first"}, status=401)
        sent = request.headers.get("x-csrf-token") or ""
        if not sent or not secrets.compare_digest(sent, session_of(request)["csrf"]):
            return response.json({"error": "missing or wrong X-CSRF-Token header"}, status=403)
        if not viewer.is_staff:
            return response.json({"error": "only trainers and leads assign"}, status=403)
        try:
            data = request.json
        except Exception:  # noqa: BLE001  # malformed JSON: Sanic raises its own error
            data = None
        if not isinstance(data, dict):
            return response.json({"error": "send a JSON object"}, status=400)
        try:
            with db.tx() as tx:
                new_id = create_assignment(tx, viewer, data)
                rows = assignments.progress(tx, viewer, new_id)
        except directory.DirectoryError as exc:
            return response.json({"error": str(exc)}, status=400)
        except PermissionError as exc:
            return response.json({"error": str(exc)}, status=403)
        return response.json({"id": new_id, "targets": [r.to_dict() for r in rows]}, status=201)

    @app.get("/api/csrf")
    @signed_in
    async def api_csrf(request: Request, viewer: Viewer) -> HTTPResponse:
        return response.json({"csrf": session_of(request)["csrf"]})

    # -- exports ---------------------------------------------------------------------------------------
    @app.get("/export/sessions.csv")
    @signed_in
    async def export_csv(request: Request, viewer: Viewer) -> HTTPResponse:
        return export(request, viewer, "csv")

    @app.get("/export/sessions.json")
    @signed_in
    async def export_json(request: Request, viewer: Viewer) -> HTTPResponse:
        return export(request, viewer, "json")

    def export(request: Request, viewer: Viewer, fmt: str) -> HTTPResponse:
        def day(name: str) -> datetime | None:
            value = (request.args.get(name) or "").strip()
            try:
                return datetime.fromisoformat(value) if value else None
            except ValueError:
                raise ExportInput(f"'{name}' must be a date, YYYY-MM-DD") from None
        try:
            filters = exports.Filters(team=request.args.get("team") or None,
                                      trainee=request.args.get("trainee") or None,
                                      persona=request.args.get("persona") or None, since=day("from"),
                                      until=day("to"))
        except ExportInput as exc:
            return response.text(str(exc), status=400)
        stamp = datetime.utcnow().strftime("%Y%m%d-%H%M")
        headers = {"Content-Disposition": f'attachment; filename="parley-sessions-{stamp}.{fmt}"'}
        with db.tx() as tx:
            records = exports.rows(tx, viewer, filters)
            if fmt == "json":
                return response.raw(exports.to_json(records).encode(), content_type="application/json",
                                    headers=headers)
            body = "".join(exports.to_csv(records))
        return response.raw(body.encode("utf-8-sig"), content_type="text/csv; charset=utf-8", headers=headers)

    # -- xAPI: finished sessions to the learning record store, in the background -----------------------
    lrs = xapi.Settings.from_env()
    if lrs.url:
        @app.listener("after_server_start")
        async def deliver_statements(app_: Sanic, loop: Any) -> None:
            from parley.personas import load_personas
            trusts = xapi.start_trusts(load_personas())
            every = float(os.environ.get("PARLEY_LRS_SECONDS", "30"))

            async def forever() -> None:
                while True:
                    try:
                        await loop.run_in_executor(None, xapi.deliver_pending, db._sessions, lrs, trusts)
                    except Exception:  # noqa: BLE001  # a bad round never stops the next one
                        logger.exception("xAPI delivery round failed")
                    await asyncio.sleep(every)
            app_.ctx.xapi_task = loop.create_task(forever())

    # -- retention: old transcripts deleted, scores kept (PARLEY_RETENTION_DAYS), every few hours ---------
    if retention.retention_days():
        @app.listener("after_server_start")
        async def prune_old_transcripts(app_: Sanic, loop: Any) -> None:
            async def forever() -> None:
                while True:
                    try:
                        def prune() -> int:
                            with db.tx() as tx:
                                return retention.prune(tx, retention.retention_days() or 0, db.floors())
                        pruned = await loop.run_in_executor(None, prune)
                        if pruned:
                            logger.info("retention: deleted the transcripts of %d old sessions", pruned)
                    except Exception:  # noqa: BLE001
                        logger.exception("retention round failed")
                    await asyncio.sleep(float(os.environ.get("PARLEY_RETENTION_CHECK_SECONDS", 6 * 3600)))
            app_.ctx.retention_task = loop.create_task(forever())

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> HTTPResponse:
        status = getattr(exc, "status_code", 500)
        if isinstance(exc, queries.Forbidden):
            return forbidden(request)
        if status == 404:
            return response.text("Not found", status=404)
        if status == 405:
            return response.text("Method not allowed", status=405)
        if status < 500:
            return response.text("Bad request", status=status)
        logger.error("cockpit error on %s %s", request.method, request.path, exc_info=exc)
        return response.text("Something went wrong on our side; it has been logged.", status=500)

    return app


class ExportInput(ValueError):
    pass


def _safe_next(value: str | None) -> str:
    """Only a local path: an absolute URL or //host would send the user elsewhere after sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def now() -> datetime:
    return datetime.utcnow()
