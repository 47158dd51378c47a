#!/usr/bin/env bash
# Trains the Rasa model when it is missing or stale; Rasa's own fingerprinting skips unchanged parts.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
ARGS=(--config config.yml --domain domain.yml --data data --out models)
# `rasa train` writes a new model file even when nothing changed; its --dry-run answers 0 when the newest
# model is still current (data, config, persona files and the detector's code are all fingerprinted)
if compgen -G "models/*.tar.gz" >/dev/null && .venv/bin/rasa train "${ARGS[@]}" --dry-run >/dev/null 2>&1; then
  echo "==> The Rasa model is up to date: $(ls -t models/*.tar.gz | head -1)"
else
  .venv/bin/rasa train "${ARGS[@]}" --quiet
fi
# the offline detector (`parley detect`, `parley score`, the action server's fallback) shares the
# same training data; build its cache now rather than on a trainee's first turn
.venv/bin/python -c "from parley.moves import get_detector; get_detector()"
