#!/usr/bin/env bash
# System packages team mode needs (scripts/run-team.sh, tests/e2e/test_team.py, bench/bench_team.py),
# installed only when missing:
#   postgresql     Parley's tables and Rasa's SQL tracker store
#   redis-server   Rasa's lock store
#   nginx          the load balancer in front of the Rasa and action servers
# Idempotent: a no-op when they are there. Installs with apt-get when run as root (CI on a fresh
# machine); otherwise says what to install and exits 1. Nothing is started here and Debian's own
# services are not used: scripts/team_services.py starts private instances on loopback under var/.
# An operator who already runs PostgreSQL and Redis sets PARLEY_DB_URL / PARLEY_TRACKER_DB_URL /
# PARLEY_REDIS_URL instead and does not need these packages (nginx is still needed).
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

need=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing system packages for team mode: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's packages start their own services on install: keep them off (we run private instances)
  policy=/usr/sbin/policy-rc.d
  had_policy=""; [ -e "$policy" ] && had_policy=1
  [ -n "$had_policy" ] || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -n "$had_policy" ] || rm -f "$policy"
  [ -x "$(pg_bin)/initdb" ] && command -v redis-server >/dev/null && [ -x /usr/sbin/nginx ] \
    || { echo "team-mode packages did not install" >&2; exit 1; }
else
  echo "Team mode needs: ${need[*]} (Debian/Ubuntu: sudo apt-get install -y ${need[*]})," >&2
  echo "or run this script as root, or point PARLEY_DB_URL / PARLEY_REDIS_URL at your own servers." >&2
  exit 1
fi
