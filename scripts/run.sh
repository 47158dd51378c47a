#!/usr/bin/env bash
# One command: set up, train if needed, start the action server, Rasa (REST, socket.io for the web
# page, Slack when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set) and the trainee web page, then chat.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything Parley writes (database, logs, models, tokens) is for this user only: files 0600, folders
# 0700; files an older version left readable are tightened too (docs/security.md).
umask 077
mkdir -p var/log models
chmod -R go-rwx var models 2>/dev/null || true
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
WEB_PORT=${WEB_PORT:-8080}
WEB_HOST=${WEB_HOST:-0.0.0.0}  # like `rasa run`, reachable from other machines; 127.0.0.1 keeps it local

bash scripts/setup.sh
bash scripts/train.sh
mkdir -p var/log

ENDPOINTS=endpoints.yml
if [ "$ACTIONS_PORT" != "5055" ]; then  # the action server is elsewhere: point Rasa at it
  ENDPOINTS=var/endpoints.run.yml
  sed "s#localhost:5055/webhook#localhost:$ACTIONS_PORT/webhook#" endpoints.yml >"$ENDPOINTS"
fi

# Rasa's HTTP API (trackers, events, PUT /model) needs a token; the channels (REST webhook,
# socket.io, Slack) do not. PARLEY_API_TOKEN if set, else one generated once, readable only by you.
TOKEN_FILE=${PARLEY_API_TOKEN_FILE:-var/api_token}
if [ -z "${PARLEY_API_TOKEN:-}" ]; then
  if [ ! -s "$TOKEN_FILE" ]; then
    mkdir -p "$(dirname "$TOKEN_FILE")"
    (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(32))" >"$TOKEN_FILE")
  fi
  chmod 600 "$TOKEN_FILE"
  PARLEY_API_TOKEN=$(cat "$TOKEN_FILE")
  TOKEN_FROM="$TOKEN_FILE"
else
  TOKEN_FROM="PARLEY_API_TOKEN"
fi
# The action server answers only Parley's Rasa (docs/security.md): the shared secret PARLEY_ACTION_TOKEN if
# set (a team sets the same value on every server), else one generated once into var/action_token (0600).
ACTION_TOKEN_FILE=${PARLEY_ACTION_TOKEN_FILE:-var/action_token}
if [ -z "${PARLEY_ACTION_TOKEN:-}" ]; then
  if [ ! -s "$ACTION_TOKEN_FILE" ]; then
    mkdir -p "$(dirname "$ACTION_TOKEN_FILE")"
    .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(32))" >"$ACTION_TOKEN_FILE"
  fi
  chmod 600 "$ACTION_TOKEN_FILE"
  PARLEY_ACTION_TOKEN=$(cat "$ACTION_TOKEN_FILE")
fi
export PARLEY_ACTION_TOKEN  # read by the action server and by Rasa's endpoints.yml (environment, not `ps`)
PARLEY_ACTION_HOST=${PARLEY_ACTION_HOST:-127.0.0.1}  # only Rasa on this machine calls it (docs/security.md)

# CORS: only the trainee page (web/server.py) may call Rasa from a browser; add origins (e.g. the
# page as other machines reach it, http://myhost:8080) in PARLEY_CORS_ORIGINS, space-separated.
read -r -a CORS_ORIGINS <<<"http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT ${PARLEY_CORS_ORIGINS:-}"

.venv/bin/python -m parley_rasa.action_server --host "$PARLEY_ACTION_HOST" --port "$ACTIONS_PORT" >var/log/actions.log 2>&1 &
ACTIONS_PID=$!
# `rasa run --auth-token ...` would show the token to every local user in `ps`: it is handed over
# in the environment (private to this user) and added to Rasa's arguments inside the process, as
# --auth-token=<token>: a generated token starts with '-' 1 time in 64, which argparse would take for an option.
PARLEY_API_TOKEN="$PARLEY_API_TOKEN" .venv/bin/python -c 'import os, sys
from rasa.__main__ import main
sys.argv = ["rasa", *sys.argv[1:], "--auth-token=" + os.environ.pop("PARLEY_API_TOKEN")]
main()' run --enable-api --cors "${CORS_ORIGINS[@]}" --port "$RASA_PORT" --endpoints "$ENDPOINTS" \
  --credentials credentials.yml >var/log/rasa.log 2>&1 &
RASA_PID=$!
PIDS="$ACTIONS_PID $RASA_PID"
# The web page (web/server.py): Rasa serves no static files, so a small server sends the page, the
# rasa-webchat bundle and the persona list; the widget talks to Rasa's socket.io on $RASA_PORT.
WEB_PID=""
if [ -f web/node_modules/rasa-webchat/lib/index.js ]; then
  .venv/bin/python web/server.py --host "$WEB_HOST" --port "$WEB_PORT" --rasa-port "$RASA_PORT" \
    >var/log/web.log 2>&1 &
  WEB_PID=$!
  PIDS="$PIDS $WEB_PID"
else
  echo "(web page not started: web/node_modules is missing; install Node.js/npm and rerun)" >&2
fi
# The cockpit for trainers and team leads (parley_web, Sanic; docs/cockpit.md) on COCKPIT_PORT.
export COCKPIT_PORT=${COCKPIT_PORT:-8081}  # the trainee page links to it
WEB_PORT="$WEB_PORT" .venv/bin/python -m parley_web --host "$WEB_HOST" --port "$COCKPIT_PORT" >var/log/cockpit.log 2>&1 &
PIDS="$PIDS $!"
trap 'kill $PIDS 2>/dev/null || true' EXIT INT TERM

echo "==> starting the trainer (Rasa takes about a minute to load; logs in var/log/)"
UP=""
for _ in $(seq 1 240); do
  # /status needs the token; curl reads the URL from stdin so the token stays out of `ps`
  if printf 'url = "http://localhost:%s/status?token=%s"\n' "$RASA_PORT" "$PARLEY_API_TOKEN" \
       | curl -sf -m 5 -K - >/dev/null 2>&1 \
     && printf 'url = "http://localhost:%s/health"\nheader = "Authorization: Bearer %s"\n' "$ACTIONS_PORT" \
          "$PARLEY_ACTION_TOKEN" | curl -sf -m 5 -K - >/dev/null 2>&1; then
    UP=1; break
  fi
  for server in "Rasa:$RASA_PID:rasa:RASA_PORT:$RASA_PORT" "action:$ACTIONS_PID:actions:ACTIONS_PORT:$ACTIONS_PORT"; do
    IFS=: read -r name pid log port_var port <<<"$server"
    if ! kill -0 "$pid" 2>/dev/null; then
      if grep -q "address already in use" "var/log/$log.log"; then
        echo "The $name server could not start: another program uses port $port." >&2
        echo "Stop that program, or pick a free port: $port_var=<port> make run" >&2
      else
        echo "The $name server stopped while starting; the end of var/log/$log.log:" >&2
        tail -n 25 "var/log/$log.log" | sed 's/^/    /' >&2
      fi
      exit 1
    fi
  done
  sleep 1
done
if [ -z "$UP" ]; then
  echo "Rasa did not answer within 4 minutes; see var/log/rasa.log and var/log/actions.log" >&2
  exit 1
fi
echo "==> Parley is up: REST at http://localhost:$RASA_PORT/webhooks/rest/webhook"
echo "    Rasa's HTTP API needs ?token=<token> (token from $TOKEN_FROM); CORS allows ${CORS_ORIGINS[*]}"
if [ -n "$WEB_PID" ]; then
  if kill -0 "$WEB_PID" 2>/dev/null && curl -sf -m 5 "http://localhost:$WEB_PORT/personas.json" >/dev/null 2>&1; then
    echo "==> Practise in the browser: http://localhost:$WEB_PORT/"
  else
    echo "The web page did not start; see var/log/web.log" >&2
  fi
fi
echo "==> Trainers and leads: http://localhost:$COCKPIT_PORT/ (accounts: parley users add NAME --role trainer)"
if grep -q "Slack channel off" var/log/rasa.log 2>/dev/null; then
  echo "    (Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on, see docs/slack.md)"
else
  echo "==> Slack events URL: https://<this server>/webhooks/slack/webhook (docs/slack.md)"
fi
if [ -t 0 ]; then
  .venv/bin/parley chat --url "http://localhost:$RASA_PORT" --make-run
else
  echo "(no terminal attached: servers keep running until stopped)"; wait $RASA_PID
fi
