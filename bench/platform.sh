#!/usr/bin/env bash
# Platform-core benchmark (issue "Platform core"): 200 accounts, 100,000 audit rows, 50 concurrent
# logged-in clients loading the dashboard, organisation and audit pages against `orewatch serve`,
# on SQLite and on PostgreSQL. Prints p50/p99 latency and requests per second per page.
#
#   bash bench/platform.sh            # both backends, 20 s each
#   SECONDS_PER_RUN=60 bash bench/platform.sh
#   BACKENDS=sqlite bash bench/platform.sh
#
# PostgreSQL: OREWATCH_BENCH_PG (default postgres://postgres@127.0.0.1:5432) — a database
# orewatch_bench is dropped and created there.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
CLIENTS=${CLIENTS:-50}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG=${OREWATCH_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18080}
OUT=bench/out
mkdir -p "$OUT"

cargo build --release -q -p orewatch -p orewatch-bench-load
BIN=target/release/orewatch
LOAD=target/release/orewatch-bench-load

for backend in $BACKENDS; do
  work=$(mktemp -d)
  case $backend in
    sqlite) url="sqlite:$work/orewatch.db" ;;
    postgres)
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS orewatch_bench" -c "CREATE DATABASE orewatch_bench" >/dev/null
      url="$PG/orewatch_bench" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo "== $backend: seeding 200 accounts and 100,000 audit rows"
  "$LOAD" seed --database-url "$url" --accounts 200 --audit-rows 100000
  OREWATCH_DATABASE_URL="$url" OREWATCH_BIND="127.0.0.1:$PORT" OREWATCH_DATA_DIR="$work" \
    OREWATCH_LOGIN_ATTEMPTS_PER_MINUTE=100000 OREWATCH_MAX_CONNECTIONS=${MAX_CONNECTIONS:-16} RUST_LOG=warn \
    "$BIN" serve >"$OUT/server-$backend.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  # Saturation: every client sends its next request as soon as the last is answered.
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --label "$backend" \
    | tee "$OUT/platform-$backend.txt"
  # Paced: each client pauses THINK_MS between requests (default 100 ms, still far busier than people).
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --label "$backend" \
    --think-ms "${THINK_MS:-100}" | tee -a "$OUT/platform-$backend.txt"
  echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MiB"}')" | tee -a "$OUT/platform-$backend.txt"
  kill $server; wait $server 2>/dev/null || true
  trap - EXIT
  rm -rf "$work"
done
