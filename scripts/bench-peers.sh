#!/usr/bin/env bash
# Same data, same machine, one run: newsdesk against the Python BM25 peers bm25s and
# tantivy-py on the SQuAD v1.1 dev closed pool (2,067 paragraphs, 10,570 questions),
# single-threaded. Prints a table with top-1, top-5, queries/s and newsdesk's ratio.
#
# Usage: scripts/bench-peers.sh   (skips cleanly when ../shared/bench is absent)
set -euo pipefail
cd "$(dirname "$0")/.."

squad=../shared/bench/squad/dev-v1.1.json
if [ ! -f "$squad" ]; then
    echo "skipping: $squad not found"
    exit 0
fi

venv=.venv-bench
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet bm25s PyStemmer tantivy
fi

cargo build --release --quiet
results=$(mktemp)
trap 'rm -f "$results"' EXIT

# Each system answers the 10,570 questions three times (one thread each time) and its
# median queries/s is reported; newsdesk asks for 5 results, as the peers do.
for _ in 1 2 3; do
    ./target/release/newsdesk eval --squad "$squad" --depth 5 --json 2>/dev/null \
        | "$venv/bin/python" -c 'import json,sys; m=json.load(sys.stdin); print(json.dumps({"system":"newsdesk (ranking)","top1":m["ranking_top1"],"top5":m["ranking_top5"],"queries_per_second":m["ranking_queries_per_second"]})); print(json.dumps({"system":"newsdesk (answers)","top1":m["top1"],"top5":m["top5"],"queries_per_second":m["queries_per_second"]}))' \
        >> "$results"
    "$venv/bin/python" scripts/bench_peers.py "$squad" >> "$results"
done

"$venv/bin/python" - "$results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    runs.setdefault(row["system"], []).append(row)
rows = [dict(r[0], queries_per_second=statistics.median(x["queries_per_second"] for x in r)) for r in runs.values()]
ours = next(r for r in rows if r["system"] == "newsdesk (ranking)")
print(f"SQuAD v1.1 dev closed pool, one thread, median of 3 runs, {__import__('datetime').date.today()}")
print("newsdesk (ranking): the 5 best articles, as the peers return; (answers): also a cited excerpt for each")
print(f"{'system':<20} {'top-1':>6} {'top-5':>6} {'queries/s':>10} {'newsdesk ranking/peer':>22}")
for r in rows:
    ratio = ours["queries_per_second"] / r["queries_per_second"]
    print(f"{r['system']:<20} {r['top1']:>6.3f} {r['top5']:>6.3f} {r['queries_per_second']:>10.0f} {ratio:>21.2f}x")
PY
