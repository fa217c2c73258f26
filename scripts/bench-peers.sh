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

./target/release/newsdesk eval --squad "$squad" --json 2>/dev/null \
    | "$venv/bin/python" -c 'import json,sys; m=json.load(sys.stdin); print(json.dumps({"system":"newsdesk","top1":m["top1"],"top5":m["top5"],"queries_per_second":m["queries_per_second"]}))' \
    >> "$results"
"$venv/bin/python" scripts/bench_peers.py "$squad" >> "$results"

"$venv/bin/python" - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
ours = next(r for r in rows if r["system"] == "newsdesk")
print(f"SQuAD v1.1 dev closed pool, one thread, {__import__('datetime').date.today()}")
print(f"{'system':<12} {'top-1':>6} {'top-5':>6} {'queries/s':>10} {'newsdesk q/s ratio':>19}")
for r in rows:
    ratio = ours["queries_per_second"] / r["queries_per_second"]
    print(f"{r['system']:<12} {r['top1']:>6.3f} {r['top5']:>6.3f} {r['queries_per_second']:>10.0f} {ratio:>18.2f}x")
PY
