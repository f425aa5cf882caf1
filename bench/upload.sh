#!/usr/bin/env bash
# Upload benchmark (issue 14): a 2 GB DEM through the browser's paths into `orewatch serve` (release,
# SQLite, the demo), while the server's RSS is sampled every 0.2 s.
#
#  1. The plain form: one multipart POST to /mines/{id}/surveys (curl, as a browser sends it), streamed
#     to scratch and hashed on the way, checked on arrival, copied into the file store, recorded.
#  2. The resumable upload the script uses for large files: 8 MiB chunks PUT to /uploads/{id}, then the
#     form naming the upload (the file hashed once more when the form is sent).
#
# Prints MB/s of each and the server's RSS before, peak during, and after.
#
#   bash bench/upload.sh
#   BYTES=500000000 bash bench/upload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${BYTES:-2000000000}
PORT=${PORT:-18095}
OUT=$PWD/bench/out
mkdir -p "$OUT"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release -q -p orewatch -p orewatch-bench-load
BIN=$PWD/target/release/orewatch
LOAD=$PWD/target/release/orewatch-bench-load
base="http://127.0.0.1:$PORT"

start_server() {
  (cd "$work" && OREWATCH_BIND="127.0.0.1:$PORT" OREWATCH_DATA_DIR="$work/data" RUST_LOG=warn \
    "$BIN" demo >"$OUT/upload-server.log" 2>&1) &
  server=$!
  for _ in $(seq 1 600); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  server=$(pgrep -f "$BIN demo" | head -1)
}
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server/status"; }
sample() { # file: peak RSS (MiB) written every 0.2 s until killed
  local peak=0 now
  while :; do now=$(rss); [ "$now" -gt "$peak" ] && peak=$now && echo "$peak" >"$1"; sleep 0.2; done
}
login() {
  jar="$work/cookies"
  local csrf
  csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" -d username=office \
    -d password=orewatch2026 -d next=/ "$base/login"
}
csrf_of() { curl -s -b "$jar" "$base/mines/$1/surveys" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1; }

start_server
mine=$("$LOAD" surveys-big --database-url "sqlite:$work/data/orewatch.db" --bytes "$BYTES" --out "$work/big.tif")
size=$(stat -c %s "$work/big.tif")
login
csrf=$(csrf_of "$mine")
yesterday=$(date -d yesterday +%F)
echo "== DEM of $(python3 -c "print(f'{$size / 1e9:.2f}')") GB for mine $mine; server RSS before: $(rss) MiB"

# 1. The plain form.
sample "$work/peak1" & sampler=$!
t0=$(date +%s.%N)
code=$(curl -s -o "$work/answer1" -w '%{http_code}' -b "$jar" -F "csrf=$csrf" -F "flown_on=$yesterday" \
  -F "contractor=基准测试测绘院" -F method=lidar -F "dem=@$work/big.tif;type=image/tiff" "$base/mines/$mine/surveys")
t1=$(date +%s.%N)
kill $sampler; wait $sampler 2>/dev/null || true
echo "form upload: HTTP $code in $(python3 -c "print(f'{$t1 - $t0:.1f} s, {$size / 1e6 / ($t1 - $t0):.0f} MB/s')"); peak RSS $(cat "$work/peak1") MiB; after $(rss) MiB"
[ "$code" = 303 ] || { echo "refused:"; grep -o 'field-error">[^<]*' "$work/answer1" | head -3; exit 1; }

# 2. The resumable upload, for the next day's survey (the same file would be refused as a duplicate:
#    the lowest bit of one byte in the middle of the pixels is flipped so it is another file).
python3 - "$work/big.tif" <<'EOF'
import os, sys
middle = os.path.getsize(sys.argv[1]) // 2
with open(sys.argv[1], "r+b") as f:
    f.seek(middle); b = f.read(1); f.seek(middle); f.write(bytes([b[0] ^ 1]))
EOF
sample "$work/peak2" & sampler=$!
t0=$(date +%s.%N)
python3 - "$base" "$jar" "$mine" "$work/big.tif" "$csrf" "$(date +%F)" >"$work/answer2" <<'EOF'
import json, os, sys, urllib.error, urllib.request, urllib.parse
base, jar_path, mine, path, csrf, day = sys.argv[1:]
# curl's cookie jar (its HttpOnly session cookie is written as "#HttpOnly_…", which Python skips).
cookies = []
for line in open(jar_path):
    line = line.removeprefix("#HttpOnly_")
    if line.startswith("#") or not line.strip():
        continue
    f = line.rstrip("\n").split("\t")
    cookies.append(f"{f[5]}={f[6]}")
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
opener = urllib.request.build_opener(NoRedirect)
opener.addheaders = [("Cookie", "; ".join(cookies))]
size = os.path.getsize(path)
form = urllib.parse.urlencode({"csrf": csrf, "name": "big.tif", "size": size}).encode()
s = json.load(opener.open(f"{base}/mines/{mine}/surveys/uploads", form))
with open(path, "rb") as f:
    while s["received"] < size:
        f.seek(s["received"])
        chunk = f.read(s["chunk_bytes"])
        req = urllib.request.Request(f"{base}/uploads/{s['id']}?offset={s['received']}", data=chunk, method="PUT",
                                     headers={"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"})
        s["received"] = json.load(opener.open(req))["received"]
boundary = "benchboundary"
body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in
               [("csrf", csrf), ("upload", s["id"]), ("flown_on", day), ("contractor", "基准测试测绘院"), ("method", "lidar")])
body += f"--{boundary}--\r\n"
req = urllib.request.Request(f"{base}/mines/{mine}/surveys", data=body.encode(), method="POST",
                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
try:
    print(opener.open(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
t1=$(date +%s.%N)
kill $sampler; wait $sampler 2>/dev/null || true
echo "chunked upload: HTTP $(cat "$work/answer2") in $(python3 -c "print(f'{$t1 - $t0:.1f} s, {$size / 1e6 / ($t1 - $t0):.0f} MB/s')"); peak RSS $(cat "$work/peak2") MiB; after $(rss) MiB"
