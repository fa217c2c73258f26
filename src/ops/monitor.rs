//! What the bot counts as it works: questions, abstentions, answer latency, and
//! Telegram's errors and last successful call.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the answer latency histogram, in seconds.
pub(super) const LATENCY_BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// `/healthz` reports Telegram unreachable when no call succeeded for this long.
/// The bot confirms contact at least every [`TELEGRAM_PROBE_INTERVAL`].
pub const TELEGRAM_STALE_AFTER: Duration = Duration::from_secs(120);

/// How often the bot checks that Telegram answers (`getMe`), besides its own calls.
pub const TELEGRAM_PROBE_INTERVAL: Duration = Duration::from_secs(30);

/// Kinds of Telegram errors, as `/metrics` labels them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 429 Too Many Requests.
    RateLimited,
    /// 409: another process polls with the same token.
    Conflict,
    /// 403: blocked, removed, not allowed to post.
    Forbidden,
    /// Any other error Telegram answered with (400s, 5xx).
    Api,
    /// No answer: connection refused or reset, timeout.
    Network,
    /// An answer that was not the JSON Telegram sends.
    InvalidResponse,
}

impl ErrorKind {
    pub(super) const ALL: [ErrorKind; 6] = [
        ErrorKind::RateLimited,
        ErrorKind::Conflict,
        ErrorKind::Forbidden,
        ErrorKind::Api,
        ErrorKind::Network,
        ErrorKind::InvalidResponse,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Api => "api",
            ErrorKind::Network => "network",
            ErrorKind::InvalidResponse => "invalid_response",
        }
    }
}

/// Counters and time stamps of a running bot.
#[derive(Debug, Default)]
pub struct Monitor {
    questions: AtomicU64,
    pub(super) abstentions: AtomicU64,
    /// Per bucket of [`LATENCY_BUCKETS`] plus +Inf (not cumulative; summed on output).
    pub(super) latency_counts: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    /// Sum of latencies in microseconds.
    pub(super) latency_sum_us: AtomicU64,
    telegram_errors: [AtomicU64; ErrorKind::ALL.len()],
    /// Unix seconds of the last successful Telegram call (0: none yet).
    pub(super) telegram_ok_at: AtomicI64,
    pub(super) last_telegram_error: Mutex<Option<String>>,
    /// Writes to the database that failed.
    pub(super) store_write_errors: AtomicU64,
    /// Why the database cannot be written, while it cannot.
    pub(super) store_unwritable: Mutex<Option<String>>,
}

impl Monitor {
    /// Records an answered (or refused) question and how long it took.
    pub fn question(&self, answered: bool, took: Duration) {
        self.questions.fetch_add(1, Ordering::Relaxed);
        if !answered {
            self.abstentions.fetch_add(1, Ordering::Relaxed);
        }
        let seconds = took.as_secs_f64();
        let bucket = LATENCY_BUCKETS.iter().position(|&b| seconds <= b).unwrap_or(LATENCY_BUCKETS.len());
        self.latency_counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Records that Telegram answered a call at `now` (unix seconds).
    pub fn telegram_ok(&self, now: i64) {
        self.telegram_ok_at.fetch_max(now, Ordering::Relaxed);
    }

    /// Records a failed Telegram call; `detail` must not contain the token.
    pub fn telegram_error(&self, kind: ErrorKind, detail: &str) {
        let i = ErrorKind::ALL.iter().position(|k| *k == kind).expect("every kind is listed");
        self.telegram_errors[i].fetch_add(1, Ordering::Relaxed);
        *self.last_telegram_error.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(format!("{}: {detail}", kind.label()));
    }

    /// Records a failed write to the database; `detail` must not name files.
    pub fn store_write_failed(&self, detail: &str) {
        self.store_write_errors.fetch_add(1, Ordering::Relaxed);
        *self.store_unwritable.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(detail.to_owned());
    }

    /// Records that the database took every write it was given again.
    pub fn store_writes_ok(&self) {
        *self.store_unwritable.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    pub fn store_write_errors(&self) -> u64 {
        self.store_write_errors.load(Ordering::Relaxed)
    }

    pub fn questions(&self) -> u64 {
        self.questions.load(Ordering::Relaxed)
    }

    pub fn telegram_errors(&self, kind: ErrorKind) -> u64 {
        let i = ErrorKind::ALL.iter().position(|k| *k == kind).expect("every kind is listed");
        self.telegram_errors[i].load(Ordering::Relaxed)
    }
}
