"""Serves Parley's trainee page: the HTML, its script and style, the rasa-webchat bundle from npm,
`/personas.json` (from the persona files) and `/config.json` (where Rasa's socket.io channel is).

Rasa serves no static files, so this tiny standard-library server runs next to it (scripts/run.sh
starts both).  It serves a fixed list of files, nothing else, and sends a strict
Content-Security-Policy: scripts only from this server, no inline script, no eval, connections
only to this server and the Rasa server.

    python web/server.py --port 8080 --rasa-port 5005
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import re
import sys
import threading
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Tuple
from urllib.parse import urlsplit

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from parley.cockpit.identity import WebIdentifier  # noqa: E402

FILES: Dict[str, Tuple[Path, str]] = {
    "/": (WEB / "static" / "index.html", "text/html; charset=utf-8"),
    "/index.html": (WEB / "static" / "index.html", "text/html; charset=utf-8"),
    "/app.js": (WEB / "static" / "app.js", "text/javascript; charset=utf-8"),
    "/app.css": (WEB / "static" / "app.css", "text/css; charset=utf-8"),
    "/whoami.js": (WEB / "static" / "whoami.js", "text/javascript; charset=utf-8"),  # who is practising (cockpit)
    "/whoami.css": (WEB / "static" / "whoami.css", "text/css; charset=utf-8"),
    "/vendor/rasa-webchat.js": (WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js",
                                "text/javascript; charset=utf-8"),
}
MAX_URL_CHARS = 2048  # the page has no forms and takes no uploads: GET and HEAD, and POST /whoami (who is practising)
COCKPIT_PORT = int(os.environ.get("COCKPIT_PORT", "8081"))  # the cockpit (parley_web), linked from the page
IDENTIFY = WebIdentifier()
HOSTNAME = re.compile(r"^(?:[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]+\])$")


def persona_catalog(directory: Path | None = None, personas: Dict[str, Any] | None = None) -> dict:
    """What the picker shows: no hidden parameters, only what a trainee may read before starting."""
    from parley.personas import DIFFICULTIES, load_personas

    if personas is None:
        personas = load_personas(directory) if directory else load_personas()
    return {
        "personas": [
            {"id": p.id, "name": p.name, "title": p.title, "default_difficulty": p.default_difficulty,
             "customer": p.briefing.customer, "product": p.briefing.product}
            for p in sorted(personas.values(), key=lambda p: p.name.lower())
        ],
        "difficulties": list(DIFFICULTIES),
        "modes": ["practice", "assessment"],
    }


class LiveCatalog:
    """`/personas.json`, rebuilt when a persona file is added, removed or edited (a few `stat` calls a
    request), so a trainer's edit shows in the picker without a restart, as briefing edits do."""

    def __init__(self, directory: Path | None = None) -> None:
        from parley.personas import PERSONA_DIR, PersonaWatcher

        # a page load may wait a few seconds for a reload (the files are read off this thread either way)
        self.watcher = PersonaWatcher(directory or PERSONA_DIR, wait=5.0)
        self.lock = threading.Lock()  # the server is threaded
        self._source: Dict[str, Any] | None = None
        self._body = b""
        self.body()  # a broken persona folder stops the server at start, as before

    def body(self, trainer: bool = False) -> bytes:
        with self.lock:
            personas = self.watcher.current()  # the same dict until a file changes (reloads run off this path)
            if personas is not self._source:
                self._body, self._source = json.dumps(persona_catalog(personas=personas)).encode(), personas
            if not trainer:  # a problem may quote hidden parameters: trainers only
                return self._body
            problems = [p.__dict__ for p in self.watcher.problems]
            return json.dumps({**json.loads(self._body), "problems": problems}).encode()


def is_trainer(header: str | None) -> bool:
    """The request carries Rasa's API token (X-Parley-Trainer), which only trainers and operators have."""
    from parley.model_state import api_token

    token = api_token()
    return bool(header and token) and hmac.compare_digest(header.encode(), token.encode())  # type: ignore[union-attr]


class Handler(BaseHTTPRequestHandler):
    server_version = "ParleyWeb"
    sys_version = ""

    def __init__(self, *args, catalog: LiveCatalog, socket_url: str | None, rasa_port: int, **kwargs) -> None:
        self.catalog, self.socket_url, self.rasa_port = catalog, socket_url, rasa_port
        super().__init__(*args, **kwargs)

    # -- where the browser finds Rasa ------------------------------------------------------------
    def rasa_url(self) -> str:
        if self.socket_url:
            return self.socket_url
        host = (self.headers.get("Host") or "localhost").strip()
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if not HOSTNAME.match(hostname):
            hostname = "localhost"
        return f"http://{hostname}:{self.rasa_port}"

    def csp(self) -> str:
        rasa = urlsplit(self.rasa_url())
        origin = f"{rasa.scheme}://{rasa.netloc}"
        socket = f"{'wss' if rasa.scheme == 'https' else 'ws'}://{rasa.netloc}"
        return ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                f"font-src 'self' data:; connect-src 'self' {origin} {socket}; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'; object-src 'none'")

    # -- responses -------------------------------------------------------------------------------
    def send(self, status: int, body: bytes, content_type: str, cache: str = "no-cache") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Security-Policy", self.csp())
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if len(self.path) > MAX_URL_CHARS:  # http.server reads request lines up to 64 KB; no page needs more
            return self.send(HTTPStatus.REQUEST_URI_TOO_LONG, b"URL too long", "text/plain; charset=utf-8")
        path = urlsplit(self.path).path
        if path == "/personas.json":
            try:
                catalog = self.catalog.body(trainer=is_trainer(self.headers.get("X-Parley-Trainer")))
            except Exception as exc:  # noqa: BLE001  # every persona file broken: say so, keep serving the page
                message = json.dumps({"error": f"the persona files cannot be read: {exc}"}).encode()
                return self.send(HTTPStatus.SERVICE_UNAVAILABLE, message, "application/json", "no-store")
            return self.send(HTTPStatus.OK, catalog, "application/json", "no-store")
        if path == "/config.json":
            from parley.text import MAX_MESSAGE_CHARS

            config = {"socket_url": self.rasa_url(), "socket_path": "/socket.io/",
                      "max_message_chars": MAX_MESSAGE_CHARS,
                      "cockpit_url": os.environ.get("PARLEY_COCKPIT_URL")
                      or self.rasa_url().rsplit(":", 1)[0] + f":{COCKPIT_PORT}"}
            return self.send(HTTPStatus.OK, json.dumps(config).encode(), "application/json", "no-store")
        if path == "/favicon.ico":
            return self.send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        if path in FILES:
            file, content_type = FILES[path]
            try:
                return self.send(HTTPStatus.OK, file.read_bytes(), content_type)
            except FileNotFoundError:
                hint = b"Not installed: run `bash scripts/setup.sh` (npm ci in web/)." if "vendor" in path else b""
                return self.send(HTTPStatus.NOT_FOUND, hint, "text/plain; charset=utf-8")
        return self.send(HTTPStatus.NOT_FOUND, b"Not found", "text/plain; charset=utf-8")

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802  # the page says who is practising (parley/cockpit/identity.py)
        length = int(self.headers.get("Content-Length") or 0)
        if urlsplit(self.path).path != "/whoami" or not 0 < length <= IDENTIFY.MAX_BODY:
            return self.send(HTTPStatus.NOT_FOUND if length else HTTPStatus.BAD_REQUEST, b"", "text/plain")
        status, answer = IDENTIFY.handle(self.rfile.read(length), self.headers.get("Content-Type", ""))
        return self.send(status, json.dumps(answer).encode(), "application/json", "no-store")

    def log_message(self, format: str, *args) -> None:  # quieter than the default, still to stderr
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)


def make_server(host: str, port: int, rasa_port: int = 5005, socket_url: str | None = None,
                personas: Path | None = None, quiet: bool = False) -> ThreadingHTTPServer:
    catalog = LiveCatalog(personas)
    handler = partial(Handler, catalog=catalog, socket_url=socket_url.rstrip("/") if socket_url else None,
                      rasa_port=rasa_port)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.quiet = quiet  # type: ignore[attr-defined]
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-port", type=int, default=5005, help="Rasa's port, on the host the page came from")
    parser.add_argument("--socket-url", help="Rasa's URL as the browser reaches it (overrides --rasa-port)")
    parser.add_argument("--personas", type=Path, help="persona folder (default: personas/)")
    parser.add_argument("--quiet", action="store_true", help="no request log")
    args = parser.parse_args(argv)
    if not FILES["/vendor/rasa-webchat.js"][0].exists():
        print("web/node_modules is missing: run `bash scripts/setup.sh` (it runs `npm ci` in web/).", file=sys.stderr)
        return 1
    server = make_server(args.host, args.port, args.rasa_port, args.socket_url, args.personas, args.quiet)
    print(f"Parley web page on http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
