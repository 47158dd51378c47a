#!/usr/bin/env bash
# Trains the Rasa model when it is missing or stale, then hands it to a running Rasa server.
# "Stale" is decided by a content hash of everything the model is trained from (parley/model_state.py):
# about a second, and the hash names the model file (models/parley-<hash>.tar.gz), so after a revert
# the matching earlier model is the one made current, never a newer model trained from other data.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
# (--detector: the offline detector of `parley detect` and `parley personas test` is trained from the
# same examples; its cache is built here when missing, rather than on a trainee's first turn)
MODEL=$(.venv/bin/python -m parley.model_state fingerprint --path --detector)
if [ -f "$MODEL" ]; then
  touch "$MODEL"  # `rasa run` loads the newest model file: make it this one
  echo "==> The Rasa model is up to date: $MODEL"
else
  NAME=$(basename "$MODEL" .tar.gz)
  echo "==> Training the Rasa model $NAME (Rasa's cache skips the parts that did not change)"
  # Rasa's augmented stories feed only ML policies (TED); RulePolicy and MemoizationPolicy skip them
  # (rasa/core/policies), so with those alone making them only costs time (a third of a retrain's CPU)
  AUGMENT=()
  grep -q "TEDPolicy" config.yml || AUGMENT=(--augmentation 0)
  .venv/bin/rasa train --config config.yml --domain domain.yml --data data --out models \
    --fixed-model-name "$NAME" "${AUGMENT[@]}" --quiet
  .venv/bin/python -m parley.model_state prune
fi
# a Rasa server already running (make run in another terminal) loads the model now: no restart
.venv/bin/python -m parley.model_state push "$MODEL" || true
