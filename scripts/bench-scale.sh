#!/usr/bin/env bash
# Scale run: news-22k (21,848 real articles), then the same articles copied under new
# ids until the index holds at least a million passages. Prints one JSON line per
# corpus: index time and articles/s, index size, question latency p50/p99 over 1,000
# titles reworded as questions, peak RSS while answering, cold start to the first
# answer, and (big corpus) peak RSS of `serve` answering through a fake Bot API.
#
# Usage: scripts/bench-scale.sh [MIN_PASSAGES]   (default 1000000; needs ~2 GB of
# free space in $TMPDIR; skips cleanly when ../shared/bench is absent)
set -euo pipefail
cd "$(dirname "$0")/.."

news=../shared/bench/news/news-22k.jsonl
if [ ! -f "$news" ]; then
    echo "skipping: $news not found"
    exit 0
fi

cargo build --release --quiet
work=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "$(date -u +%F) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
python3 scripts/bench_scale.py "$news" "$work" "${1:-1000000}"
