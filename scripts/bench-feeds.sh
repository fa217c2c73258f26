#!/usr/bin/env bash
# Feed benchmarks (see BENCHMARKS.md, "Feeds"):
#
# 1. Polling: 200 local feeds x 50 teaser-only items on 20 loopback hosts, every
#    item's page fetched and its body extracted, in one `newsdesk feeds fetch`
#    (release build); prints the wall time, the items written and the peak memory
#    above an idle `feeds fetch` of one small feed; then the same feeds polled by
#    `newsdesk serve` (against scripts/fake_bot_api.py): its memory while idle and its
#    peak while polling and indexing. Targets: <= 20 s on 2 cores, <= 100 MB above
#    idle.
# 2. Extraction quality: PAGES_DIR holds news pages with a known article body, one
#    folder per page with `source.html` and `expected.html` (the layout of the test
#    pages of Mozilla's readability; its repository's test/test-pages folder, or a
#    copy of the news pages in it, works as it is). Prints token recall, share of the
#    expected paragraphs present and boilerplate share per page and on average.
#    Targets: recall >= 0.90, paragraphs >= 0.90, boilerplate <= 0.05. The pages
#    are read where they are; nothing is copied into this repository.
#
# Usage: scripts/bench-feeds.sh [PAGES_DIR]   (or NEWSDESK_BENCH_PAGES=PAGES_DIR)
#        FEEDS=200 ITEMS=50 override the polling size.
set -euo pipefail
cd "$(dirname "$0")/.."

pages="${1:-${NEWSDESK_BENCH_PAGES:-}}"
cargo build --release --quiet --bin newsdesk --example bench_feeds
target="${CARGO_TARGET_DIR:-target}/release"

echo "== polling"
"$target/examples/bench_feeds" poll "$target/newsdesk" "${FEEDS:-200}" "${ITEMS:-50}"

echo "== serve: memory while polling"
api_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 scripts/fake_bot_api.py "$api_port" >/dev/null 2>&1 &
api_pid=$!
trap 'kill $api_pid 2>/dev/null || true' EXIT
sleep 1
"$target/examples/bench_feeds" serve "$target/newsdesk" "http://127.0.0.1:$api_port" "${FEEDS:-200}" "${ITEMS:-50}"

echo "== extraction quality"
if [[ -n "$pages" && -d "$pages" ]]; then
    "$target/examples/bench_feeds" extract "$pages"
else
    echo "no pages: pass a folder of NAME/source.html + NAME/expected.html (e.g. readability's test/test-pages)"
fi
