#!/usr/bin/env bash
# System packages Parley's web page and browser tests need, installed only when missing:
#   chromium + chromium-driver  headless browser for tests/e2e/test_web.py (Playwright drives /usr/bin/chromium;
#                               `playwright install` cannot download browsers here)
#   nodejs + npm                `npm ci` installs the rasa-webchat widget into web/node_modules
# Idempotent: a no-op when everything is there. Installs with apt-get when run as root (CI on a fresh
# machine); otherwise says what to install and carries on (the browser tests then fail with a clear message).
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
  command -v chromium >/dev/null 2>&1 || { echo "chromium did not install" >&2; exit 1; }
else
  echo "Missing system packages: ${need[*]}." >&2
  echo "Install them (Debian/Ubuntu: sudo apt-get install -y ${need[*]}) or run this script as root." >&2
fi
