#!/usr/bin/env bash
# Team mode, one command: PostgreSQL (Parley's tables + Rasa's tracker store), Redis (Rasa's lock
# store), 2 Rasa servers and 2 action servers behind nginx. See docs/deploy.md.
#   PARLEY_RASA_SERVERS / PARLEY_ACTION_SERVERS   how many of each (default 2 and 2)
#   PARLEY_TEAM_PORT                              nginx for trainees (default 8000; actions balancer on +1)
#   PARLEY_DB_URL, PARLEY_TRACKER_DB_URL, PARLEY_REDIS_URL   your own PostgreSQL / Redis instead of private ones
# Private PostgreSQL and Redis keep their data under var/team/; secrets in var/team/secrets.env (0600).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore

if [ -z "${PARLEY_DB_URL:-}" ] || [ -z "${PARLEY_REDIS_URL:-}" ] || ! command -v nginx >/dev/null 2>&1; then
  bash scripts/team-deps.sh  # PostgreSQL, Redis, nginx from Debian's packages when missing (root)
fi
bash scripts/setup.sh
bash scripts/train.sh
exec .venv/bin/python -m deploy.team up "$@"
