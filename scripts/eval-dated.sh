#!/usr/bin/env bash
# Questions with a time window or an outlet over news-22k: builds the question set from
# the bench file (scripts/dated_questions.py: titles reworded, with a day, a month, a
# range, "last week"/"вчора"/"на прошлой неделе" asked at a chosen moment, a year or
# an outlet), indexes news-22k, and prints newsdesk's scores: the right article first,
# and the share of results inside the window / outlet each question asks for.
#
# Usage: scripts/eval-dated.sh [--verbose]   (skips cleanly when ../shared/bench is absent)
# QUESTIONS_OUT=path keeps the generated question set.
set -euo pipefail
cd "$(dirname "$0")/.."

news=../shared/bench/news/news-22k.jsonl
if [ ! -f "$news" ]; then
    echo "skipping: $news not found"
    exit 0
fi

cargo build --release --quiet
newsdesk="${CARGO_TARGET_DIR:-target}/release/newsdesk"
work=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-dated.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$news" "$work/corpus/"
questions="${QUESTIONS_OUT:-$work/questions.jsonl}"
python3 scripts/dated_questions.py "$news" "$questions"
"$newsdesk" index --corpus "$work/corpus" --index "$work/index" 2>&1 | grep '^indexed'
"$newsdesk" eval --questions "$questions" --corpus "$work/corpus" --index "$work/index" --depth 10 "$@" 2>&1 \
    | grep -v '^answer in \(excerpt\|top\)'
# The same by kind of filter.
echo
printf '%-14s %9s %6s %6s %16s %12s\n' kind questions top-1 top-5 filter-precision windows-read
for kind in $(python3 -c 'import json,sys; print(" ".join(dict.fromkeys(json.loads(l)["kind"] for l in open(sys.argv[1]))))' "$questions"); do
    python3 -c 'import json,sys; [print(l, end="") for l in open(sys.argv[1]) if json.loads(l)["kind"] == sys.argv[2]]' \
        "$questions" "$kind" > "$work/$kind.jsonl"
    "$newsdesk" eval --questions "$work/$kind.jsonl" --corpus "$work/corpus" --index "$work/index" --depth 10 --json \
        2>/dev/null | python3 -c 'import json,sys; m=json.load(sys.stdin); print("%-14s %9d %6.3f %6.3f %16.3f %12.3f" % (sys.argv[1], m["questions"], m["top1"], m["top5"], m["filter_precision"], m["windows_read"]))' "$kind"
done
