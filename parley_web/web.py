"""What every cockpit route shares: the signed session cookie, CSRF, rendering a page, the error pages,
the `signed_in` guard and the security headers.  The app's state (db, templates, throttles) lives on
`app.ctx`; these helpers reach it through `request.app.ctx`."""

from __future__ import annotations

import logging
import secrets
import time
from pathlib import Path
from typing import Any, Callable, Dict

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley.cockpit import queries, rubric
from parley.cockpit.auth import Role, Viewer, sign, unsign

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("parley.cockpit")
COOKIE = "parley_cockpit"
SESSION_AGE = 12 * 3600
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    env.filters["day"] = lambda d: d.strftime("%d %b %Y") if d else "never"
    env.filters["when"] = lambda d: d.strftime("%d %b %Y %H:%M") if d else ""
    env.filters["num"] = lambda v: "–" if v is None else (f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}")
    env.filters["pretty"] = lambda s: str(s).replace("_", " ")
    return env


# -- session, CSRF -------------------------------------------------------------------------------------
def new_session() -> Dict[str, Any]:
    return {"csrf": secrets.token_urlsafe(24), "iat": time.time()}


def session_of(request: Request) -> Dict[str, Any]:
    if not hasattr(request.ctx, "session"):
        token = request.cookies.get(COOKIE) or ""
        request.ctx.session = unsign(token, "session", SESSION_AGE) or {}
        request.ctx.new_session = False
        if "csrf" not in request.ctx.session:
            request.ctx.session = new_session()
            request.ctx.new_session = True
    return request.ctx.session


def viewer_of(request: Request) -> Viewer | None:
    s = session_of(request)
    if "role" not in s:
        return None
    return Viewer(s["name"], Role(s["role"]), team_id=s.get("team"), person_id=s.get("person"))


def start_session(request: Request, viewer: Viewer) -> None:
    request.ctx.session = {**new_session(), "name": viewer.name, "role": viewer.role.value,
                           "team": viewer.team_id, "person": viewer.person_id}
    request.ctx.new_session = True


def end_session(request: Request) -> None:
    request.ctx.session = new_session()
    request.ctx.new_session = True


def csrf_ok(request: Request) -> bool:
    sent = request.form.get("csrf") if request.form else None
    return bool(sent) and secrets.compare_digest(sent, session_of(request)["csrf"])


def csrf_header_ok(request: Request) -> bool:
    sent = request.headers.get("x-csrf-token") or ""
    return bool(sent) and secrets.compare_digest(sent, session_of(request)["csrf"])


# -- pages -----------------------------------------------------------------------------------------------
def page(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    env: Environment = request.app.ctx.env
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
    """Redirects a visitor to /login, checks a form's CSRF token, and passes the Viewer to the handler;
    queries.Forbidden / NotFound become the 403 / 404 pages."""
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        viewer = viewer_of(request)
        if viewer is None:
            return response.redirect(f"/login?next={request.path}")
        if request.method == "POST" and not csrf_ok(request):
            return page(request, "error.html", 403, title="Form expired",
                        message="This form was missing its security token (or it expired). Go back, reload "
                                "the page and send it again.")
        request.app.ctx.db.refresh()
        try:
            return await handler(request, viewer, *args, **kwargs)
        except queries.Forbidden:
            return forbidden(request)
        except queries.NotFound:
            return not_found(request)
    wrapped.__name__ = handler.__name__
    return wrapped


# -- every response ----------------------------------------------------------------------------------
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


# -- small parsers -------------------------------------------------------------------------------------
def safe_next(value: str | None) -> str:
    """Only a local path: an absolute URL or //host would send the user elsewhere after sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def to_int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
