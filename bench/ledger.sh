#!/usr/bin/env bash
# Inspections and ledger benchmark (issue "Joint inspections and the rectification ledger"): five years
# of a 50-mine county — 2,000 joint inspections (4,000 signed records), 20,000 findings, 100,000 open
# tasks — on SQLite and PostgreSQL.
#  1. 50 logged-in clients (office, leaders, agency officers and heads) load the home page with its
#     inbox and the ledger with its filters: saturated (no think time), then paced (each client pauses
#     THINK_MS between requests); p50/p99 per page.
#  2. With the server stopped, one deadline sweep over the 100,000 open tasks: a minute on (what the
#     every-minute sweep meets) and a day on (a day's reminders and escalations at once).
#
#   bash bench/ledger.sh
#   BACKENDS=sqlite SECONDS_PER_RUN=10 bash bench/ledger.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
# Each client's pause between requests in the paced run (the saturation run has none).
THINK_MS=${THINK_MS:-250}
CLIENTS=${CLIENTS:-50}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG=${OREWATCH_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18082}
OUT=bench/out
mkdir -p "$OUT"

cargo build --release -q -p orewatch -p orewatch-bench-load
BIN=target/release/orewatch
LOAD=target/release/orewatch-bench-load
# Home (inbox), the open ledger, one agency, overdue, closed page 10, township + category, listed.
PAGES="/,/ledger,/ledger?agency=ps,/ledger?overdue=1,/ledger?state=closed&closed=1&page=10,/ledger?township=%E4%B8%AD%E6%B8%A1%E9%95%87&category=dust&closed=1,/ledger?listed=1"

for backend in $BACKENDS; do
  work=$(mktemp -d)
  case $backend in
    sqlite) url="sqlite:$work/orewatch.db" ;;
    postgres)
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS orewatch_bench" -c "CREATE DATABASE orewatch_bench" >/dev/null
      url="$PG/orewatch_bench" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo "== $backend: seeding $CLIENTS accounts, 50 mines, 5 years of inspections, findings and tasks"
  "$LOAD" seed --database-url "$url" --accounts "$CLIENTS" --agency-staff --audit-rows 0 \
    --registry-mines 50 --permits-per-mine 2 --ledger-years 5
  # A production PostgreSQL has been vacuumed by now; a fresh bulk load has not, and autovacuum would
  # otherwise run during the measurement.
  if [ "$backend" = postgres ]; then psql "$url" -qc "VACUUM (ANALYZE)"; fi
  OREWATCH_DATABASE_URL="$url" OREWATCH_BIND="127.0.0.1:$PORT" OREWATCH_DATA_DIR="$work" \
    OREWATCH_LOGIN_ATTEMPTS_PER_MINUTE=100000 OREWATCH_MAX_CONNECTIONS=${MAX_CONNECTIONS:-16} RUST_LOG=warn \
    "$BIN" serve >"$OUT/server-ledger-$backend.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" \
    --label "$backend ledger and inbox, saturated" --pages "$PAGES" | tee "$OUT/ledger-$backend.txt"
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --think-ms "$THINK_MS" \
    --label "$backend ledger and inbox, paced" --pages "$PAGES" | tee -a "$OUT/ledger-$backend.txt"
  echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MiB"}')" | tee -a "$OUT/ledger-$backend.txt"
  kill $server; wait $server 2>/dev/null || true
  trap - EXIT
  "$LOAD" sweep --database-url "$url" | tee -a "$OUT/ledger-$backend.txt"
  rm -rf "$work"
done
