#!/usr/bin/env bash
# The refusal on held-out halves: SQuAD dev questions of even-numbered articles
# chose ENGLISH_MIN_COVERAGE and KEYLESS_COVERAGE (src/retrieve/specific.rs), and
# with XQuAD-R en's even half ENGLISH_MIN_HELD; the odd-numbered halves, the short
# questions and all of XQuAD-R en report them. Off-topic:
# SQuAD questions asked of the seeds (all should be refused); answerable: the same
# questions asked of their own pool (all should be answered). Words alone.
#
# Usage: scripts/eval-refusal.sh [BINARY]   (default: a release build of this tree;
# skips cleanly when ../shared/bench is absent)
set -euo pipefail
cd "$(dirname "$0")/.."

bench=${NEWSDESK_BENCH:-../shared/bench}
squad=$bench/squad/dev-v1.1.json
if [ ! -f "$squad" ] || [ ! -d "$bench/xquad-r" ]; then
    echo "skipping: $bench/squad and $bench/xquad-r not found"
    exit 0
fi
newsdesk=${1:-}
if [ -z "$newsdesk" ]; then
    cargo build --release --quiet
    newsdesk=./target/release/newsdesk
fi
seeds_index=$(mktemp -d)
trap 'rm -rf "$seeds_index"' EXIT

row() {
    local name=$1
    shift
    "$newsdesk" eval "$@" --ranking lexical --depth 5 --json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
n, answerable = m["questions"], m["answerable"]
refused, answered = m["false_abstentions"], m["false_answers"]
if answerable:
    top1, first = m["top1"], m["answer_in_first_excerpt"]
    print(f"{sys.argv[1]:<32} {n:>6}  refused {refused:>4} ({refused / n:.2%})  top-1 {top1:.3f}  answer1 {first:.3f}")
else:
    print(f"{sys.argv[1]:<32} {n:>6}  answered {answered:>4} ({answered / n:.2%})")
' "$name"
}

echo "pool                             questions  wrong"
row "off-topic, even (chose)" --squad "$squad" --off-topic --split even --corpus seeds --index "$seeds_index"
row "off-topic, odd" --squad "$squad" --off-topic --split odd --corpus seeds --index "$seeds_index"
row "off-topic, all" --squad "$squad" --off-topic --corpus seeds --index "$seeds_index"
row "off-topic, short" --squad "$squad" --off-topic --short --corpus seeds --index "$seeds_index"
row "xquad-r off-topic, even (chose)" --xquad "$bench/xquad-r" --off-topic --split even --corpus seeds --index "$seeds_index"
row "xquad-r off-topic, odd" --xquad "$bench/xquad-r" --off-topic --split odd --corpus seeds --index "$seeds_index"
row "squad dev, even (chose)" --squad "$squad" --split even
row "squad dev, odd" --squad "$squad" --split odd
row "squad dev, all" --squad "$squad"
row "squad dev, short" --squad "$squad" --short
row "xquad-r en, even (chose)" --xquad "$bench/xquad-r" --split even
row "xquad-r en, odd" --xquad "$bench/xquad-r" --split odd
row "xquad-r en" --xquad "$bench/xquad-r"
row "xquad-r en, short" --xquad "$bench/xquad-r" --short
row "seeds question set" --questions tests/fixtures/seed-questions.jsonl --corpus seeds --index "$seeds_index"
row "seeds cross-lingual set" --questions tests/fixtures/crosslingual-questions.jsonl --corpus seeds --index "$seeds_index"
