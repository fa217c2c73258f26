//! One feed's state in words, for `newsdesk feeds list`, `/feeds` and `/healthz`.

use crate::store::FeedState;

use super::poll::FAILING_AFTER;

/// "5 min", "3 h", "2 d".
pub fn ago(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

/// Whether the feed has failed for [`FAILING_AFTER`] or longer.
pub fn failing_long(state: &FeedState, now: i64) -> bool {
    state.failing_since.is_some_and(|since| now - since >= FAILING_AFTER.as_secs() as i64)
}

/// The state in one line: when it last worked, how many items it brought, and its
/// failures ("⚠ failing for 2 d" once it has failed a day).
pub fn status_line(state: &FeedState, now: i64) -> String {
    let mut parts = Vec::new();
    match (state.last_success, state.last_attempt) {
        (Some(ok), _) => parts.push(format!("ok {} ago", ago(now - ok))),
        (None, Some(_)) => parts.push("never fetched".to_owned()),
        (None, None) => parts.push("not polled yet".to_owned()),
    }
    parts.push(format!("{} items", state.items));
    if state.failures > 0 {
        let since = state.failing_since.map(|s| ago(now - s)).unwrap_or_default();
        let mark = if failing_long(state, now) { "⚠ " } else { "" };
        parts.push(format!(
            "{mark}failing for {since} ({} in a row: {})",
            state.failures,
            state.last_error.as_deref().unwrap_or("unknown error")
        ));
    }
    if let Some(until) = state.hold_until.filter(|h| *h > now) {
        parts.push(format!("server asked to wait {}", ago(until - now)));
    }
    crate::ingest::escaped(&parts.join(", ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_failing_for_a_day_is_marked() {
        let now = 1_000_000;
        let mut state = FeedState { items: 4, last_success: Some(now - 300), ..FeedState::default() };
        assert_eq!(status_line(&state, now), "ok 5 min ago, 4 items");
        state.failures = 3;
        state.failing_since = Some(now - 90_000);
        state.last_error = Some("HTTP 500".into());
        assert!(failing_long(&state, now));
        assert_eq!(
            status_line(&state, now),
            "ok 5 min ago, 4 items, ⚠ failing for 25 h (3 in a row: HTTP 500)"
        );
    }
}
