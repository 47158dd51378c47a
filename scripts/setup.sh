#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs Parley's pinned dependencies; a no-op when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PARLEY_PYTHON:-}
if [ -z "$PY" ]; then
  if command -v python3.10 >/dev/null 2>&1 && PYENV_VERSION=3.10.13 python3.10 --version >/dev/null 2>&1; then
    PY="python3.10"
  else
    echo "Parley needs Python 3.10 (Rasa 3.6 does not run on 3.11+). Install it, or set PARLEY_PYTHON." >&2
    exit 1
  fi
fi
export PYENV_VERSION=${PYENV_VERSION:-3.10.13}

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv ($($PY --version))"
  "$PY" -m venv .venv
fi

stamp=.venv/.parley-installed
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing dependencies (first time: a few minutes)"
  .venv/bin/pip install --quiet --upgrade "pip<24.1"
  # the lock pins every package; installing rasa, pytest and the rest in one resolve keeps Rasa's pins
  .venv/bin/pip install --quiet -c requirements.lock -e ".[dev]"
  echo "$want" > "$stamp"
fi

# The web page's chat widget: rasa-webchat from the npm registry, pinned by web/package-lock.json.
if command -v npm >/dev/null 2>&1; then
  wstamp=web/node_modules/.parley-installed
  wwant=$(cat web/package.json web/package-lock.json | sha256sum | cut -c1-16)
  if [ "$(cat "$wstamp" 2>/dev/null)" != "$wwant" ]; then
    echo "==> installing the web chat widget (npm ci in web/)"
    (cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
    echo "$wwant" > "$wstamp"
  fi
  # The cockpit's charts: Chart.js and its matrix (heatmap) plugin, pinned by parley_web/package-lock.json.
  cstamp=parley_web/node_modules/.parley-installed
  cwant=$(cat parley_web/package.json parley_web/package-lock.json | sha256sum | cut -c1-16)
  if [ "$(cat "$cstamp" 2>/dev/null)" != "$cwant" ]; then
    echo "==> installing the cockpit's charts (npm ci in parley_web/)"
    (cd parley_web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
    echo "$cwant" > "$cstamp"
  fi
else
  echo "(npm not found: the web page needs Node.js and npm; run scripts/system-deps.sh as root)" >&2
fi
