#!/usr/bin/env bash
# What fusion adds: top-1 (right article first) of words alone, meaning alone and
# both (hybrid, what users get) side by side, on XQuAD-R across and within
# languages, on questions cut short as people type them, on the seeds' question
# sets, and the share of off-topic questions answered. Needs an embeddings server
# (NEWSDESK_EMBED_URL); skips cleanly without it or without ../shared/bench.
#
# The hybrid weights were chosen on the pools marked "chose" (XQuAD-R en->de and
# de->en); every other row reports them on questions not used for choosing.
#
# Usage: NEWSDESK_EMBED_URL=… scripts/eval-fusion.sh
#   NEWSDESK_DATA         where the pools' vectors (and the seeds' index) are kept
#                         between runs (default data/). Questions asked against the
#                         seeds are embedded afresh every run (~80 s per 637 on 2
#                         cores): kept vectors are int8 and would move the figures.
#   NEWSDESK_BIN          the binary to measure (default: a release build of this tree)
#   OFF_TOPIC_SQUAD       SQuAD-format questions to ask against the seeds (default:
#                         all of SQuAD dev, 10,570 questions to embed once)
#   ONLY                  `xquad` or `seeds`: only those rows
set -euo pipefail
cd "$(dirname "$0")/.."

bench=${NEWSDESK_BENCH:-../shared/bench}
if [ ! -d "$bench/xquad-r" ] || [ ! -f "$bench/squad/dev-v1.1.json" ]; then
    echo "skipping: $bench/squad and $bench/xquad-r not found"
    exit 0
fi
if [ -z "${NEWSDESK_EMBED_URL:-}" ]; then
    echo "skipping: NEWSDESK_EMBED_URL is not set (meaning alone and hybrid need it)"
    exit 0
fi
newsdesk=${NEWSDESK_BIN:-}
if [ -z "$newsdesk" ]; then
    cargo build --release --quiet
    newsdesk=${CARGO_TARGET_DIR:-target}/release/newsdesk
fi
off_topic=${OFF_TOPIC_SQUAD:-$bench/squad/dev-v1.1.json}
# The seeds' index (and its vectors) is kept beside the pools' vectors.
seeds_index=${NEWSDESK_DATA:-data}/eval-seeds-index

# One figure of one run: top-1, or for off-topic questions how many were answered.
figure() {
    local ranking=$1
    shift
    "$newsdesk" eval "$@" --ranking "$ranking" --depth 5 --json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
if m["answerable"]:
    print("%.3f %d" % (m["top1"], m["false_abstentions"]))
else:
    print("%d %d" % (m["false_answers"], m["questions"]))
'
}

row() {
    local name=$1 role=$2
    shift 2
    read -r lexical lexical_extra < <(figure lexical "$@")
    read -r dense dense_extra < <(figure dense "$@")
    read -r hybrid hybrid_extra < <(figure hybrid "$@")
    python3 - "$name" "$role" "$lexical" "$dense" "$hybrid" "$lexical_extra" "$dense_extra" "$hybrid_extra" <<'PY'
import sys
name, role, lexical, dense, hybrid, le, de, he = sys.argv[1:]
if "." in hybrid:
    gain = f"{float(hybrid) - float(dense):+.3f}"
    print(f"{name:<30} {role:<7} {lexical:>7} {dense:>7} {hybrid:>7} {gain:>7}   refused {le} / {de} / {he}")
else:
    share = lambda n: f"{int(n) / int(he):.1%}"
    print(f"{name:<30} {role:<7} {share(lexical):>7} {share(dense):>7} {share(hybrid):>7} {'':>7}   answered {lexical} / {dense} / {hybrid} of {he}")
PY
}

printf '%-30s %-7s %7s %7s %7s %7s\n' pool role lexical dense hybrid "h-d"
only=${ONLY:-}
if [ "$only" != seeds ]; then
for pair in en:de de:en en:es es:en en:en de:de es:es; do
    q=${pair%%:*}
    p=${pair##*:}
    role=report
    if [ "$pair" = en:de ] || [ "$pair" = de:en ]; then role=chose; fi
    row "xquad-r $q->$p" "$role" --xquad "$bench/xquad-r" --questions-lang "$q" --paragraph-lang "$p"
done
row "xquad-r en->en, short" report --xquad "$bench/xquad-r" --short
row "xquad-r en->de, short" report --xquad "$bench/xquad-r" --paragraph-lang de --short
fi
if [ "$only" != xquad ]; then
# An index built without the layer has no vectors until `embed` fills them in.
"$newsdesk" embed --corpus seeds --index "$seeds_index" >/dev/null 2>&1
row "seeds cross-lingual set" report --questions tests/fixtures/crosslingual-questions.jsonl \
    --corpus seeds --index "$seeds_index"
row "seeds question set" report --questions tests/fixtures/seed-questions.jsonl \
    --corpus seeds --index "$seeds_index"
row "off-topic vs seeds (answered)" report --squad "$off_topic" --off-topic \
    --corpus seeds --index "$seeds_index"
fi
echo "top-1: right article first (lexical / dense / hybrid); h-d: hybrid minus dense;"
echo "refused: answerable questions refused; answered: off-topic questions answered (lower is better)."
