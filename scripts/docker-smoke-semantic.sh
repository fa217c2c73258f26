#!/usr/bin/env bash
# The compose `semantic` set-up, by hand: the embeddings image (deploy/embeddings)
# and the newsdesk image run side by side, newsdesk pointed at the sidecar; the bot
# must fill its vectors (/healthz says "complete") and answer a Ukrainian question
# from an English article through a fake Bot API on this machine. Prints both
# image sizes.
#
#   scripts/docker-smoke-semantic.sh    (needs docker; binds 127.0.0.1 ports only)
# Behind a proxy that re-signs TLS: EXTRA_CA_CERT="$(cat proxy-ca.crt)" (pip).
set -euo pipefail
cd "$(dirname "$0")/.."

image=${SMOKE_IMAGE:-newsdesk:smoke}
embed_image=newsdesk-embeddings:smoke
api_port=${SMOKE_API_PORT:-18081}
http_port=${SMOKE_HTTP_PORT:-18080}
embed_port=${SMOKE_EMBED_PORT:-18000}
name=newsdesk-smoke-semantic-$$

command -v docker >/dev/null || { echo "docker is not installed; nothing to check" >&2; exit 1; }
if [ -z "${SMOKE_IMAGE:-}" ]; then
    docker build -t "$image" . >/tmp/newsdesk-docker-build.log 2>&1 \
        || { tail -30 /tmp/newsdesk-docker-build.log; exit 1; }
fi
docker build --build-arg EXTRA_CA_CERT="${EXTRA_CA_CERT:-}" -t "$embed_image" deploy/embeddings \
    >/tmp/newsdesk-embeddings-build.log 2>&1 || { tail -30 /tmp/newsdesk-embeddings-build.log; exit 1; }
size() { docker image inspect "$1" --format '{{.Size}}' | awk '{printf "%.1f MB", $1/1e6}'; }
echo "images: newsdesk $(size "$image"), embeddings $(size "$embed_image")"

python3 scripts/fake_bot_api.py "$api_port" &
fake=$!
cleanup() {
    docker rm -f "$name" "$name-embeddings" >/dev/null 2>&1 || true
    kill "$fake" 2>/dev/null || true
}
trap cleanup EXIT
get() { python3 -c 'import sys, urllib.request
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5); print(r.status); print(r.read().decode())
except Exception as e:
    print(getattr(e, "code", 0)); print(e)' "$1" 2>/dev/null; }

docker run -d --name "$name-embeddings" --network host "$embed_image" --host 127.0.0.1 --port "$embed_port" >/dev/null
# On the host network with another port, the image's own health check (port 8000)
# does not apply: ask /health here.
for _ in $(seq 1 120); do
    [ "$(get "http://127.0.0.1:$embed_port/health" | head -1)" = 200 ] && break
    sleep 1
done
echo "embeddings /health: $(get "http://127.0.0.1:$embed_port/health" | tail -n +2)"

docker run -d --name "$name" --network host \
    -e TELOXIDE_TOKEN=123456:SMOKE-test_token \
    -e NEWSDESK_TELEGRAM_API_URL="http://127.0.0.1:$api_port" \
    -e NEWSDESK_HTTP_ADDR="127.0.0.1:$http_port" \
    -e NEWSDESK_EMBED_URL="http://127.0.0.1:$embed_port/v1" \
    -e NEWSDESK_EMBED_INPUT_TYPE=true \
    "$image" >/dev/null
started=$(date +%s)
for _ in $(seq 1 600); do
    get "http://127.0.0.1:$http_port/healthz" | grep -q "semantic layer: complete" && break
    sleep 1
done
echo "healthz after $(( $(date +%s) - started )) s: $(get "http://127.0.0.1:$http_port/healthz" | tail -n +2)"
get "http://127.0.0.1:$http_port/metrics" | grep -E '^newsdesk_vectors_'

question="Якими словами про зиму Рютте завершив виступ у Верховній Раді?"
python3 -c 'import json, sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], json.dumps({"text": sys.argv[2]}).encode(),
    {"Content-Type": "application/json"}))' "http://127.0.0.1:$api_port/control/update" "$question"
answer=""
for _ in $(seq 1 60); do
    answer=$(get "http://127.0.0.1:$api_port/control/sent" | tail -n +2)
    echo "$answer" | grep -q 'blockquote' && break
    sleep 0.5
done
echo "$answer" | grep -q 'spring will come' \
    || { echo "no cross-lingual answer: $answer" >&2; docker logs "$name" | tail -20; exit 1; }
echo "answer: $(echo "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"][-1]["text"][:240])')…"
echo "semantic docker smoke test passed"
