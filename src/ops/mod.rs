//! Operations: what `/healthz` and `/metrics` report, and the HTTP routes that serve
//! them.
//!
//! [`Monitor`] is a set of counters and time stamps the bot updates as it works
//! (atomics, so recording never blocks a handler). The routes read it, plus the
//! index and the database, when asked. Nothing here knows Telegram: errors are
//! recorded by [`ErrorKind`], which the bot derives from teloxide's errors.

mod http;
mod monitor;

pub use http::{OpsState, health, render_metrics, router};
pub use monitor::{ErrorKind, Monitor, TELEGRAM_PROBE_INTERVAL, TELEGRAM_STALE_AFTER};
