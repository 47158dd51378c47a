"""python -m parley_web [--host H] [--port P] [--db-url URL]"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from parley_web.app import STATIC, create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Parley's cockpit for trainers and team leads")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("COCKPIT_PORT", "8081")))
    parser.add_argument("--db-url", help="SQLAlchemy URL (default: PARLEY_DB_URL, else var/parley.db)")
    args = parser.parse_args(argv)
    if not STATIC["chart.umd.min.js"][0].exists():
        print("parley_web/node_modules is missing: run `bash scripts/setup.sh` (npm ci in parley_web/).",
              file=sys.stderr)
        return 1
    app = create_app(args.db_url)
    logging.getLogger("sanic.root").setLevel(logging.WARNING)
    print(f"Parley cockpit on http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, access_log=False, motd=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
