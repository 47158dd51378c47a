#!/usr/bin/env bash
# The whole test suite: unit tests, then the real model, action server and Rasa server end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
bash scripts/system-deps.sh  # Chromium for the browser tests, npm for the widget (apt-get when root)
bash scripts/team-deps.sh || echo "(tests/e2e/test_team.py will fail: PostgreSQL, Redis or nginx is missing)" >&2  # started once, by its fixture
bash scripts/setup.sh
bash scripts/train.sh
.venv/bin/pytest -p no:cacheprovider "$@"
