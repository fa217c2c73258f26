#!/usr/bin/env bash
# How long the semantic layer takes to fill on news-22k (21,848 articles): the newest
# 1,000 articles embedded alone (what a fresh archive has across languages first, as
# vectors fill newest first), once per batch size in EMBED_BATCHES (`default`: as
# `newsdesk embed` runs with NEWSDESK_EMBED_BATCH unset), then the whole archive
# embedded for BUDGET seconds, its rate extrapolated to every sentence.
# Prints the load (uptime) beside each figure.
#
# Usage: NEWSDESK_EMBED_URL=http://127.0.0.1:8079/v1 NEWSDESK_EMBED_INPUT_TYPE=true \
#          scripts/bench-embed-fill.sh      (EMBED_BATCHES="default 8", BUDGET=300;
#          NEWEST_BUDGET=120 stops the newest-1,000 runs early and extrapolates)
# Needs about 1 GB in $TMPDIR; skips cleanly when ../shared/bench is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

news=${BENCH:-../shared/bench}/news/news-22k.jsonl
if [ ! -f "$news" ]; then
    echo "skipping: $news not found"
    exit 0
fi
: "${NEWSDESK_EMBED_URL:?set NEWSDESK_EMBED_URL to an embeddings server}"
cargo build --release --quiet
newsdesk=${CARGO_TARGET_DIR:-target}/release/newsdesk
work=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-fill.XXXXXX")
trap 'rm -rf "$work"' EXIT
export NEWSDESK_DATA=$work/data RUST_LOG=warn

mkdir -p "$work/newest" "$work/all"
python3 - "$news" "$work/newest/newest-1000.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
lines.sort(key=lambda a: a.get("date") or "", reverse=True)
with open(sys.argv[2], "w") as out:
    for a in lines[:1000]:
        out.write(json.dumps(a, ensure_ascii=False) + "\n")
PY
# Links are not followed in a corpus: a copy (28 MB).
cp "$news" "$work/all/news-22k.jsonl"

# From `embed`'s last line: every sentence at the rate it reached.
extrapolate() {
    python3 -c '
import re, sys
m = re.search(r"embedded (\d+) sentences, (\d+) to go, ([\d.]+)/s", sys.stdin.read())
if m:
    done, left, rate = int(m[1]), int(m[2]), float(m[3])
    print(f"  extrapolated: {done + left} sentences at {rate:.1f}/s = {(done + left) / rate / 60:.1f} min")
'
}

for batch in ${EMBED_BATCHES:-default 8}; do
    index=$work/index-newest-$batch
    size=(env NEWSDESK_EMBED_BATCH="$batch")
    [ "$batch" = default ] && size=(env -u NEWSDESK_EMBED_BATCH)
    "${size[@]}" "$newsdesk" index --corpus "$work/newest" --index "$index" 2>&1 | tail -1
    echo "load: $(uptime | sed 's/.*load average: //')"
    started=$(date +%s.%N)
    line=$("${size[@]}" "$newsdesk" embed ${NEWEST_BUDGET:+--budget "${NEWEST_BUDGET}s"} \
        --corpus "$work/newest" --index "$index" 2>&1 | tail -1)
    echo "newest 1,000 articles, batch $batch: $line ($(echo "$(date +%s.%N) - $started" | bc) s); load: $(uptime | sed 's/.*load average: //')"
    echo "$line" | extrapolate
done

index=$work/index-all
"$newsdesk" index --corpus "$work/all" --index "$index" 2>&1 | tail -1
echo "load: $(uptime | sed 's/.*load average: //')"
line=$("$newsdesk" embed --budget "${BUDGET:-300}s" --corpus "$work/all" --index "$index" 2>&1 | tail -1)
echo "whole archive, batch ${NEWSDESK_EMBED_BATCH:-default}, ${BUDGET:-300} s: $line; load: $(uptime | sed 's/.*load average: //')"
echo "$line" | extrapolate
