#!/usr/bin/env bash
# Trains the Rasa model when it is missing or stale; Rasa's own fingerprinting skips unchanged parts.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
.venv/bin/rasa train --config config.yml --domain domain.yml --data data --out models --quiet
# the offline detector (`parley detect`, `parley score`, the action server's fallback) shares the
# same training data; build its cache now rather than on a trainee's first turn
.venv/bin/python -c "from parley.moves import get_detector; get_detector()"
