"""The cockpit app.  Every page is a Jinja2 template (autoescaped); every form carries the session's
CSRF token; the data a chart needs sits in a JSON island (<script type="application/json">, never
executed) that static/cockpit.js hands to Chart.js.

`create_app` builds the Sanic app, keeps its state on `app.ctx` (db, templates, login throttles) and
registers the parts: shared helpers and security headers in parley_web.web, routes by concern in
parley_web.routes (signin, pages, assignments, exports, static), background rounds in
parley_web.background."""

from __future__ import annotations

import os

from sanic import Sanic

from parley.cockpit.throttle import Throttle
from parley_web import background, web
from parley_web.db import CockpitDB
from parley_web.routes import assignments, exports, pages, signin, static
from parley_web.routes.static import STATIC
from parley_web.web import templates

__all__ = ["STATIC", "create_app", "templates"]


def create_app(db_url: str | None = None, name: str = "parley_cockpit") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.ctx.db = CockpitDB(db_url)
    app.ctx.env = templates()
    # wrong passwords: 5 per user name, 50 per address (a shared office address), within 15 minutes
    app.ctx.throttle = Throttle(limit=int(os.environ.get("PARLEY_LOGIN_ATTEMPTS", "5")), window=900)
    app.ctx.address_throttle = Throttle(limit=50, window=900)
    app.on_response(web.security_headers)
    for part in (static, signin, pages, assignments, exports, background):
        part.register(app)
    app.exception(Exception)(web.on_error)
    return app
