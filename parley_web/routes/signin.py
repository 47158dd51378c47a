"""Signing in and out: the password form (throttled), the trainee's sign-in link, logout."""

from __future__ import annotations

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley.accounts_store import Person
from parley.cockpit import directory
from parley.cockpit.auth import Role, Viewer, unsign
from parley_web.web import csrf_ok, end_session, page, safe_next, start_session

LINK_AGE = 14 * 24 * 3600


async def login_form(request: Request) -> HTTPResponse:
    return page(request, "login.html", next=safe_next(request.args.get("next")))


async def login(request: Request) -> HTTPResponse:
    if not csrf_ok(request):
        return page(request, "login.html", 403, error="The form expired; please sign in again.", next="/")
    ctx = request.app.ctx
    username = (request.form.get("username") or "").strip()
    user, address = username.lower(), request.remote_addr or request.ip
    wait = max(ctx.throttle.blocked(user), ctx.address_throttle.blocked(address))
    if wait:
        return page(request, "login.html", 429, next=safe_next(request.form.get("next")),
                    error=f"Too many wrong passwords. Try again in {int(wait // 60) + 1} minutes.")
    with ctx.db.tx() as tx:
        viewer = directory.authenticate(tx, username, request.form.get("password", ""))
    if viewer is None:
        ctx.throttle.failed(user)
        ctx.address_throttle.failed(address)
        return page(request, "login.html", 401, error="Wrong user name or password.",
                    next=safe_next(request.form.get("next")))
    ctx.throttle.succeeded(user)
    start_session(request, viewer)
    return response.redirect(safe_next(request.form.get("next")))


async def signin_link(request: Request, token: str) -> HTTPResponse:
    payload = unsign(token, "signin", LINK_AGE)
    with request.app.ctx.db.tx() as tx:
        person = tx.get(Person, int(payload["person"])) if payload else None
        if person is None:
            return page(request, "error.html", 403, title="Link not valid",
                        message="This sign-in link is not valid or has expired. Ask your trainer for a new one.")
        viewer = Viewer(person.name, Role.trainee, team_id=person.team_id, person_id=person.id)
    start_session(request, viewer)
    return response.redirect("/me")


async def logout(request: Request) -> HTTPResponse:
    if csrf_ok(request):
        end_session(request)
    return response.redirect("/login")


def register(app: Sanic) -> None:
    app.add_route(login_form, "/login", methods=["GET"])
    app.add_route(login, "/login", methods=["POST"])
    app.add_route(signin_link, "/signin/<token>", methods=["GET"])
    app.add_route(logout, "/logout", methods=["POST"])
