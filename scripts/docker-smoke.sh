#!/usr/bin/env bash
# Builds the image and runs it for real against a fake Bot API on this machine:
# the bot must answer a question with a cited excerpt, report healthy on /healthz,
# and stop cleanly on `docker stop` within 10 s. Prints the image size and timings.
#
#   scripts/docker-smoke.sh            (needs docker; binds 127.0.0.1 ports only)
set -euo pipefail
cd "$(dirname "$0")/.."

image=newsdesk:smoke
api_port=${SMOKE_API_PORT:-18081}
http_port=${SMOKE_HTTP_PORT:-18080}
name=newsdesk-smoke-$$

command -v docker >/dev/null || { echo "docker is not installed; nothing to check" >&2; exit 1; }

started=$(date +%s)
docker build -t "$image" . >/tmp/newsdesk-docker-build.log 2>&1 \
    || { tail -30 /tmp/newsdesk-docker-build.log; exit 1; }
echo "build: $(( $(date +%s) - started )) s (log: /tmp/newsdesk-docker-build.log)"
echo "image: $(docker image inspect "$image" --format '{{.Size}}' | awk '{printf "%.1f MB", $1/1e6}')"

python3 scripts/fake_bot_api.py "$api_port" &
fake=$!
cleanup() {
    docker rm -f "$name" >/dev/null 2>&1 || true
    kill "$fake" 2>/dev/null || true
}
trap cleanup EXIT

get() { python3 -c 'import sys, urllib.request
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5); print(r.status); print(r.read().decode())
except Exception as e:
    print(getattr(e, "code", 0)); print(e)' "$1" 2>/dev/null; }

# The fake answers 404 to GET: any status means it is up.
for _ in $(seq 1 50); do
    [ "$(get "http://127.0.0.1:$api_port/" | head -1)" != 0 ] && break
    sleep 0.2
done

docker run -d --name "$name" --network host \
    -e TELOXIDE_TOKEN=123456:SMOKE-test_token \
    -e NEWSDESK_TELEGRAM_API_URL="http://127.0.0.1:$api_port" \
    -e NEWSDESK_HTTP_ADDR="127.0.0.1:$http_port" \
    "$image" >/dev/null

for _ in $(seq 1 120); do
    [ "$(get "http://127.0.0.1:$http_port/healthz" | head -1)" = 200 ] && break
    sleep 0.5
done
health=$(get "http://127.0.0.1:$http_port/healthz")
echo "healthz: $(echo "$health" | tail -n +2)"
[ "$(echo "$health" | head -1)" = 200 ] || { docker logs "$name"; exit 1; }
docker exec "$name" newsdesk healthcheck >/dev/null || { echo "HEALTHCHECK command failed" >&2; exit 1; }

question="How many missiles did Ukraine receive through the PURL mechanism?"
python3 -c 'import json, sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], json.dumps({"text": sys.argv[2]}).encode(),
    {"Content-Type": "application/json"}))' "http://127.0.0.1:$api_port/control/update" "$question"
answer=""
for _ in $(seq 1 60); do
    answer=$(get "http://127.0.0.1:$api_port/control/sent" | tail -n +2)
    echo "$answer" | grep -q 'PURL' && break
    sleep 0.5
done
echo "$answer" | grep -q '<blockquote>' && echo "$answer" | grep -q 'Suspilne' \
    || { echo "no cited answer: $answer" >&2; docker logs "$name"; exit 1; }
echo "answer: $(echo "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"][-1]["text"][:160])')…"
get "http://127.0.0.1:$http_port/metrics" | grep -E '^newsdesk_questions_total'

stop_started=$(date +%s.%N)
docker stop -t 10 "$name" >/dev/null
stopped=$(python3 -c "print(round($(date +%s.%N) - $stop_started, 2))")
code=$(docker inspect "$name" --format '{{.State.ExitCode}}')
echo "docker stop: exited $code after $stopped s"
[ "$code" = 0 ] || { docker logs "$name" | tail -20; exit 1; }
docker logs "$name" 2>&1 | grep -q "SIGTERM received" || { echo "no clean SIGTERM shutdown" >&2; exit 1; }
echo "docker smoke test passed"
