#!/usr/bin/env bash
# Runs the property-based fuzz targets (the article parser and every Telegram
# renderer) with many more cases than `cargo test` does, one target at a time, and
# prints cases, time and the outcome of each. A failure prints proptest's minimal
# failing input. Bounded: CASES per target (default 20000).
#
#   scripts/fuzz.sh [CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-20000}
targets=(
    corpus::fuzz::any_file_parses_without_panic
    render::answers_are_valid_html_under_the_limit
    render::whole_articles_are_split_into_valid_messages
    render::digests_are_one_valid_message_whatever_the_stories
    render::subscription_lists_are_valid_messages
)
cargo test --release --test it --no-run >/dev/null 2>&1
status=0
for target in "${targets[@]}"; do
    started=$(date +%s.%N)
    log=/tmp/newsdesk-fuzz-${target//::/-}.log
    if PROPTEST_CASES=$cases cargo test --release --test it -- --exact "$target" >"$log" 2>&1; then
        outcome="no findings"
    else
        outcome="FAILED (see below)"
        status=1
    fi
    seconds=$(python3 -c "print(round($(date +%s.%N) - $started, 1))")
    printf '%-62s %7s cases %7s s  %s\n' "$target" "$cases" "$seconds" "$outcome"
    grep -qE "minimal failing input" "$log" && grep -E "minimal failing input|panicked" -A3 "$log"
    # proptest keeps each failure in tests/proptest-regressions, so cargo test replays it.
done
exit $status
