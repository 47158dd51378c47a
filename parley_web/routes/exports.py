"""Exports: the sessions the viewer may see, as CSV or JSON, filtered by the query string."""

from __future__ import annotations

from datetime import datetime

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley.cockpit import exports
from parley.cockpit.auth import Viewer
from parley_web.web import signed_in


class ExportInput(ValueError):
    pass


def day_arg(request: Request, name: str) -> datetime | None:
    value = (request.args.get(name) or "").strip()
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        raise ExportInput(f"'{name}' must be a date, YYYY-MM-DD") from None


def export(request: Request, viewer: Viewer, fmt: str) -> HTTPResponse:
    try:
        filters = exports.Filters(team=request.args.get("team") or None,
                                  trainee=request.args.get("trainee") or None,
                                  persona=request.args.get("persona") or None, since=day_arg(request, "from"),
                                  until=day_arg(request, "to"))
    except ExportInput as exc:
        return response.text(str(exc), status=400)
    stamp = datetime.utcnow().strftime("%Y%m%d-%H%M")
    headers = {"Content-Disposition": f'attachment; filename="parley-sessions-{stamp}.{fmt}"'}
    with request.app.ctx.db.tx() as tx:
        records = exports.rows(tx, viewer, filters)
        if fmt == "json":
            return response.raw(exports.to_json(records).encode(), content_type="application/json",
                                headers=headers)
        body = "".join(exports.to_csv(records))
    return response.raw(body.encode("utf-8-sig"), content_type="text/csv; charset=utf-8", headers=headers)


@signed_in
async def export_csv(request: Request, viewer: Viewer) -> HTTPResponse:
    return export(request, viewer, "csv")


@signed_in
async def export_json(request: Request, viewer: Viewer) -> HTTPResponse:
    return export(request, viewer, "json")


def register(app: Sanic) -> None:
    app.add_route(export_csv, "/export/sessions.csv", methods=["GET"])
    app.add_route(export_json, "/export/sessions.json", methods=["GET"])
