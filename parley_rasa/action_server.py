"""Parley's action server: rasa-sdk's app, answering only Parley's own Rasa servers.

rasa-sdk 3.6.2 has no authentication: anyone who reaches `rasa run actions` (0.0.0.0:5055) can end
any trainee's session and read the report.  This entry point wraps `rasa_sdk.endpoint.create_app`:

- every request must carry the shared secret `PARLEY_ACTION_TOKEN` as `Authorization: Bearer <token>`
  (compared in constant time); anything else gets a 401 and never reaches an action;
- it listens on 127.0.0.1 unless told otherwise (`--host`, or PARLEY_ACTION_HOST for a team set-up
  where Rasa runs on another machine);
- requests over `MAX_REQUEST_BYTES` are refused (a tracker stays far below it, see docs/security.md);
- no CORS: browsers have no business here.

Rasa sends the token from endpoints.yml (`action_endpoint.headers.Authorization`, filled from the same
environment variable).  The token comes from PARLEY_ACTION_TOKEN, else from the file in
PARLEY_ACTION_TOKEN_FILE (default var/action_token, which scripts/run.sh generates once, mode 0600).

    PARLEY_ACTION_TOKEN=... python -m parley_rasa.action_server --port 5055

`rasa run actions` still works for development: it has no authentication, so run it only where nobody
else can reach the port (docs/security.md).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV, TOKEN_FILE_ENV, HOST_ENV = "PARLEY_ACTION_TOKEN", "PARLEY_ACTION_TOKEN_FILE", "PARLEY_ACTION_HOST"
DEFAULT_TOKEN_FILE = Path(__file__).resolve().parent.parent / "var" / "action_token"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5055
MAX_REQUEST_BYTES = 16 * 1024 * 1024
MIN_TOKEN_CHARS = 16
UNAUTHORIZED = {"error": "unauthorized",
                "message": "This is Parley's action server: only Parley's Rasa servers may call it (the shared "
                           "secret PARLEY_ACTION_TOKEN is missing or wrong)."}
TOO_LARGE = {"error": "payload_too_large",
             "message": f"Request bodies are limited to {MAX_REQUEST_BYTES // (1024 * 1024)} MB."}

logger = logging.getLogger(__name__)


class TokenMissing(RuntimeError):
    pass


def load_token(environ: dict | None = None) -> str:
    """The shared secret: PARLEY_ACTION_TOKEN, else the token file; refuses a missing or short one."""
    env = os.environ if environ is None else environ
    token = (env.get(TOKEN_ENV) or "").strip()
    source = TOKEN_ENV
    if not token:
        path = Path(env.get(TOKEN_FILE_ENV) or DEFAULT_TOKEN_FILE)
        source = str(path)
        try:
            token = path.read_text().strip()
        except OSError:
            token = ""
    if len(token) < MIN_TOKEN_CHARS:
        raise TokenMissing(
            f"No usable action-server secret (from {source}): set {TOKEN_ENV} to the same random value for this "
            f"server and for Rasa (at least {MIN_TOKEN_CHARS} characters), or let scripts/run.sh generate one. "
            f"For development only, `rasa run actions` runs without one (unauthenticated: keep it on loopback).")
    return token


def authorized(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


# A load balancer polls these without the secret; they say only "ok" or the kind of failure.
OPEN_PATHS = frozenset({"/health", "/ready"})


def create_app(token: str, action_package: str = "actions", sweep: bool = True) -> Sanic:
    """rasa-sdk's app behind the token check and the size limit, with readiness (`/ready`) and the
    abandoned-session sweep from parley_rasa.health."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    from parley_rasa.health import action_blueprint

    if len(token) < MIN_TOKEN_CHARS:
        raise TokenMissing(f"the action-server secret must have at least {MIN_TOKEN_CHARS} characters")
    app = create_sdk_app(action_package, cors_origins=[])
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.blueprint(action_blueprint(sweep=sweep))

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.method == "GET" and request.path in OPEN_PATHS:
            return None
        if not authorized(request, token):
            logger.warning("action server: refused a %s %s without the shared secret from %s", request.method,
                           request.path, request.ip)
            return response.json(UNAUTHORIZED, status=401)
        return None

    @app.exception(Exception)
    async def clear_errors(request: Request, exception: Exception) -> HTTPResponse:
        # rasa-sdk's own handler echoes the request body (a trainee's tracker) into the answer and the log
        status = getattr(exception, "status_code", 500)
        if status == 413:
            return response.json(TOO_LARGE, status=413)
        logger.error("action server: %s on %s %s", type(exception).__name__, request.method, request.path,
                     exc_info=status >= 500)
        return response.json({"error": type(exception).__name__}, status=status)

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Parley's action server (rasa-sdk behind a shared secret)")
    parser.add_argument("--host", default=os.environ.get(HOST_ENV) or DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}; {HOST_ENV})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--actions", default="actions", help="the actions package (default: actions)")
    parser.add_argument("--no-sweep", action="store_true",
                        help="do not close idle sessions as abandoned from this server (another one does it)")
    args = parser.parse_args(argv)
    try:
        token = load_token()
    except TokenMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    from parley_rasa.logs import configure_logging

    configure_logging()
    app = create_app(token, args.actions, sweep=not args.no_sweep)
    logger.info("Parley action server on http://%s:%s (shared secret required)", args.host, args.port)
    app.run(args.host, args.port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
