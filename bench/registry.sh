#!/usr/bin/env bash
# Registry benchmark (issue "Registry and information sharing"): 3,000 mines with one licence each and
# 30,000 permits, on SQLite and PostgreSQL.
#  1. The server time to render the county map (/map): the first request after start (the county
#     picture is computed: parcels, overlaps, consistency checks) and then 20 more (cached per data
#     version), timed by curl on loopback.
#  2. 50 concurrent logged-in clients requesting filtered mine lists (township, status, text, permits
#     due, later pages), saturated (no think time); p50/p99 per filter.
#
#   bash bench/registry.sh
#   BACKENDS=sqlite SECONDS_PER_RUN=10 bash bench/registry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
CLIENTS=${CLIENTS:-50}
MINES=${MINES:-3000}
PERMITS_PER_MINE=${PERMITS_PER_MINE:-10}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG=${OREWATCH_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18081}
OUT=bench/out
mkdir -p "$OUT"

cargo build --release -q -p orewatch -p orewatch-bench-load
BIN=target/release/orewatch
LOAD=target/release/orewatch-bench-load
# 中渡镇, 生产, "石门", permits due within 90 days, page 5 of everything, township + status.
PAGES="/mines?township=%E4%B8%AD%E6%B8%A1%E9%95%87,/mines?status=producing,/mines?q=%E7%9F%B3%E9%97%A8,/mines?due=1,/mines?page=5,/mines?township=%E5%AF%A8%E6%B2%99%E9%95%87&status=producing&page=2"

for backend in $BACKENDS; do
  work=$(mktemp -d)
  case $backend in
    sqlite) url="sqlite:$work/orewatch.db" ;;
    postgres)
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS orewatch_bench" -c "CREATE DATABASE orewatch_bench" >/dev/null
      url="$PG/orewatch_bench" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo "== $backend: seeding $CLIENTS accounts, $MINES mines and $((MINES * PERMITS_PER_MINE)) permits"
  "$LOAD" seed --database-url "$url" --accounts "$CLIENTS" --audit-rows 0 \
    --registry-mines "$MINES" --permits-per-mine "$PERMITS_PER_MINE"
  OREWATCH_DATABASE_URL="$url" OREWATCH_BIND="127.0.0.1:$PORT" OREWATCH_DATA_DIR="$work" \
    OREWATCH_LOGIN_ATTEMPTS_PER_MINUTE=100000 OREWATCH_MAX_CONNECTIONS=${MAX_CONNECTIONS:-16} RUST_LOG=warn \
    "$BIN" serve >"$OUT/server-registry-$backend.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  # A logged-in cookie for curl (bench002 is an office account).
  jar="$work/cookies"
  csrf=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=bench002" \
    --data-urlencode "password=bench-pass-2026" "http://127.0.0.1:$PORT/login"
  {
    echo "$backend: county map, $MINES licences"
    curl -s -b "$jar" -o "$work/map.html" -w "  first request (computes the county picture): %{time_total} s, %{size_download} bytes\n" \
      "http://127.0.0.1:$PORT/map"
    for _ in $(seq 1 20); do
      curl -s -b "$jar" -o /dev/null -w "%{time_total}\n" "http://127.0.0.1:$PORT/map"
    done | sort -n | awk '{a[NR]=$1} END {printf "  next 20 (cached): median %.4f s, max %.4f s\n", a[int((NR+1)/2)], a[NR]}'
    grep -o 'class="lic ' "$work/map.html" | wc -l | awk '{print "  licences drawn: " $1}'
  } | tee "$OUT/registry-$backend.txt"
  "$LOAD" run --base "http://127.0.0.1:$PORT" --clients "$CLIENTS" --seconds "$SECONDS_PER_RUN" --label "$backend mine list" \
    --pages "$PAGES" | tee -a "$OUT/registry-$backend.txt"
  echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MiB"}')" | tee -a "$OUT/registry-$backend.txt"
  kill $server; wait $server 2>/dev/null || true
  trap - EXIT
  rm -rf "$work"
done
