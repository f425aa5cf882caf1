#!/usr/bin/env bash
# Write-path benchmarks (issues "seams and first use" and "security and reliability"), on SQLite and
# PostgreSQL, against `orewatch serve` (release build) on loopback:
#  1. import: a workbook of RECORDS (90,000) records uploaded through /registry/import while 5 clients
#     keep logging in (each once a second); the import's wall time and the logins' p50/p99 (targets:
#     < 10 s, p99 < 1 s). Then the same with the logins as fast as they go (a stress test).
#  2. map: a protected area of LAYER_VERTICES (600,000) vertices among MINES (3,000) mines; the /map
#     response size (target < 1 MB), the first request (which computes the county picture) and a cached one.
#  3. mixed: 45 clients reading (dashboard, mine list, a mine page, permits due, the feed) and 5 posting
#     to the sharing feed, saturated, then paced (100 ms between requests); p99 per page (target < 50 ms).
#  4. mine page: 50 clients on random mine pages; p99 (target < 50 ms).
#  5. map: 50 clients on /map.
#
#   bash bench/write-path.sh
#   BACKENDS=postgres SECONDS_PER_RUN=10 bash bench/write-path.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
RECORDS=${RECORDS:-90000}
MINES=${MINES:-3000}
LAYER_VERTICES=${LAYER_VERTICES:-600000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG=${OREWATCH_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18082}
OUT=bench/out
mkdir -p "$OUT"

cargo build --release -q -p orewatch -p orewatch-bench-load
BIN=target/release/orewatch
LOAD=target/release/orewatch-bench-load

fresh() { # $1 backend $2 work dir → prints the database URL
  case $1 in
    sqlite) echo "sqlite:$2/orewatch.db" ;;
    postgres)
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS orewatch_bench" -c "CREATE DATABASE orewatch_bench" >/dev/null
      echo "$PG/orewatch_bench" ;;
    *) echo "unknown backend $1" >&2; exit 2 ;;
  esac
}

start() { # $1 url $2 work dir $3 log
  OREWATCH_DATABASE_URL="$1" OREWATCH_BIND="127.0.0.1:$PORT" OREWATCH_DATA_DIR="$2" \
    OREWATCH_LOGIN_ATTEMPTS_PER_MINUTE=100000 OREWATCH_MAX_CONNECTIONS=${MAX_CONNECTIONS:-16} RUST_LOG=warn \
    "$BIN" serve >"$3" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
}

stop() {
  echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MiB"}')"
  kill $server; wait $server 2>/dev/null || true
  trap - EXIT
}

for backend in $BACKENDS; do
  report="$OUT/write-path-$backend.txt"
  : >"$report"

  # 1. The import, with logins meanwhile.
  work=$(mktemp -d); url=$(fresh "$backend" "$work")
  "$LOAD" seed --database-url "$url" --accounts 20 --audit-rows 0 --townships
  start "$url" "$work" "$OUT/server-import-$backend.log"
  "$LOAD" import --base "http://127.0.0.1:$PORT" --records "$RECORDS" --login-clients 5 --label "$backend" | tee -a "$report"
  stop | tee -a "$report"
  rm -rf "$work"
  work=$(mktemp -d); url=$(fresh "$backend" "$work")
  "$LOAD" seed --database-url "$url" --accounts 20 --audit-rows 0 --townships
  start "$url" "$work" "$OUT/server-import-$backend.log"
  "$LOAD" import --base "http://127.0.0.1:$PORT" --records "$RECORDS" --login-clients 5 --login-pause-ms 0 \
    --label "$backend (logins without pause)" | tee -a "$report"
  stop | tee -a "$report"
  rm -rf "$work"

  # 2–5 on a county of MINES mines with a large protected area.
  work=$(mktemp -d); url=$(fresh "$backend" "$work")
  "$LOAD" seed --database-url "$url" --accounts 50 --audit-rows 20000 --registry-mines "$MINES" \
    --permits-per-mine 10 --layer-vertices "$LAYER_VERTICES"
  start "$url" "$work" "$OUT/server-write-path-$backend.log"
  # 2. The map with the large layer: its size, the first request (computes the county picture) and one cached.
  jar="$work/cookies"
  csrf=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=bench002" \
    --data-urlencode "password=bench-pass-2026" "http://127.0.0.1:$PORT/login"
  curl -s -b "$jar" -o /dev/null -w "$backend map with a $LAYER_VERTICES-vertex layer: first request %{time_total} s, %{size_download} bytes\n" \
    "http://127.0.0.1:$PORT/map" | tee -a "$report"
  curl -s -b "$jar" -o /dev/null -w "$backend map, cached: %{time_total} s, %{size_download} bytes\n" \
    "http://127.0.0.1:$PORT/map" | tee -a "$report"
  # 3. Mixed reads and writes.
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients 50 --writers 5 --mines "$MINES" --seconds "$SECONDS_PER_RUN" \
    --label "$backend mixed" --pages "/,/mines?township=%E4%B8%AD%E6%B8%A1%E9%95%87,/mines/{mine},/permits?status=due90,/feed" \
    | tee -a "$report"
  # 3b. The same paced: each client pauses THINK_MS (100 ms) between requests — still far busier than a
  #     county's people.
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients 50 --writers 5 --mines "$MINES" --seconds "$SECONDS_PER_RUN" \
    --think-ms "${THINK_MS:-100}" --label "$backend mixed, paced" \
    --pages "/,/mines?township=%E4%B8%AD%E6%B8%A1%E9%95%87,/mines/{mine},/permits?status=due90,/feed" | tee -a "$report"
  # 4. The mine page.
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients 50 --mines "$MINES" --seconds "$SECONDS_PER_RUN" \
    --label "$backend mine page" --pages "/mines/{mine}" | tee -a "$report"
  # 5. 50 clients on the map.
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients 50 --seconds "$SECONDS_PER_RUN" \
    --label "$backend map" --pages "/map" | tee -a "$report"
  stop | tee -a "$report"
  rm -rf "$work"
done
