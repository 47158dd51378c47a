"""Static files: a fixed list, nothing else from disk."""

from __future__ import annotations

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from parley_web.web import HERE

STATIC = {
    "cockpit.js": (HERE / "static" / "cockpit.js", "text/javascript; charset=utf-8"),
    "cockpit.css": (HERE / "static" / "cockpit.css", "text/css; charset=utf-8"),
    "chart.umd.min.js": (HERE / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js",
                         "text/javascript; charset=utf-8"),
    "chartjs-chart-matrix.min.js": (HERE / "node_modules" / "chartjs-chart-matrix" / "dist" /
                                    "chartjs-chart-matrix.min.js", "text/javascript; charset=utf-8"),
}


async def static(request: Request, name: str) -> HTTPResponse:
    if name not in STATIC:
        return response.text("Not found", status=404)
    path, content_type = STATIC[name]
    if not path.exists():
        return response.text("Not installed: run `bash scripts/setup.sh` (npm ci in parley_web/).", status=404)
    return response.raw(path.read_bytes(), content_type=content_type, headers={"Cache-Control": "no-cache"})


async def favicon(request: Request) -> HTTPResponse:
    return response.empty()


def register(app: Sanic) -> None:
    app.add_route(static, "/static/<name>", methods=["GET"])
    app.add_route(favicon, "/favicon.ico", methods=["GET"])
