//! News digests, without Telegram: when they are due, which articles go in, and how
//! the same story from several outlets becomes one item.
//!
//! Time is always passed in (or read through a [`Clock`]), so schedules are tested
//! across DST changes without waiting, and the bot's scheduler runs on a clock tests
//! can move.

mod schedule;
mod stories;

pub use schedule::{Clock, ManualClock, SystemClock, TimeOfDay, next_run, time_zone};
pub use stories::{Digest, DigestItem, Filter, SourceRef, build};
