//! Feeds as a source of articles: RSS 0.9x-2.0, RSS 1.0 (RDF), Atom and JSON Feed,
//! polled politely and safely, their items written as JSON lines under
//! `<corpus>/feeds/<feed>/<YYYY-MM>.jsonl`, so indexing, the watcher and digests
//! take them like any other corpus file.
//!
//! Where things are: `list` which feeds (the `NEWSDESK_FEEDS` file or OPML, and
//! `/addfeed`), and their folder names; `net` HTTP (conditional GET, one request per
//! host at a time, timeouts, size cap, redirects, the SSRF guard); `parse` charsets
//! and `feed-rs`; `text` HTML to paragraphs and readability for teaser items' pages;
//! `archive` the month files and what they already hold (dedupe); `poll` one feed,
//! every feed once (`feeds fetch`) and the serve loop. Poll state (validators,
//! failures, next poll) lives in the store ([`crate::store::FeedState`]).

mod archive;
mod list;
mod net;
mod parse;
mod poll;
mod status;
mod text;

pub use archive::{FEEDS_DIR, FeedLine, Known};
pub use list::{FeedList, FeedSpec, Origin, feed_url, parse_lines, parse_opml, read_feed_list, slug};
pub use net::{
    Body, Conditional, FetchError, FetchLimits, Fetched, Fetcher, USER_AGENT, Wanted, check_target, forbidden,
};
pub use parse::{Item, ParsedFeed, decode, parse_feed};
pub use poll::{
    FAILING_AFTER, FeedCounts, FeedResult, MAX_ITEMS_PER_POLL, PARALLEL_FEEDS, PollReport, Poller,
    article_id, backoff, feeds_to_poll, jittered, run,
};
pub use status::{ago, failing_long, status_line};
pub use text::{Extracted, TEASER_CHARS, extract_article, html_to_paragraphs, is_teaser};
