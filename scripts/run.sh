#!/usr/bin/env bash
# One command: set up, train if needed, start the action server and Rasa (REST + socket.io), chat.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}

bash scripts/setup.sh
bash scripts/train.sh
mkdir -p var/log

.venv/bin/rasa run actions --port "$ACTIONS_PORT" >var/log/actions.log 2>&1 &
ACTIONS_PID=$!
.venv/bin/rasa run --enable-api --cors "*" --port "$RASA_PORT" --endpoints endpoints.yml \
  --credentials credentials.yml >var/log/rasa.log 2>&1 &
RASA_PID=$!
trap 'kill $ACTIONS_PID $RASA_PID 2>/dev/null || true' EXIT INT TERM

echo "==> starting the trainer (Rasa takes about a minute to load; logs in var/log/)"
for _ in $(seq 1 240); do
  if curl -sf "http://localhost:$RASA_PORT/status" >/dev/null 2>&1 \
     && curl -sf "http://localhost:$ACTIONS_PORT/health" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 $RASA_PID 2>/dev/null || ! kill -0 $ACTIONS_PID 2>/dev/null; then
    echo "A server stopped while starting; see var/log/rasa.log and var/log/actions.log" >&2
    exit 1
  fi
  sleep 1
done
echo "==> Parley is up: REST at http://localhost:$RASA_PORT/webhooks/rest/webhook"
if [ -t 0 ]; then
  .venv/bin/parley chat --url "http://localhost:$RASA_PORT"
else
  echo "(no terminal attached: servers keep running until stopped)"; wait $RASA_PID
fi
