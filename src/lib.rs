//! newsdesk answers questions about a news archive with cited excerpts, on the
//! command line and in Telegram.
//!
//! The answer path, one folder per part: [`ingest`] reads article files into
//! [`ingest::Article`]s; [`analysis`] turns text into terms, the same for the
//! index, the question and the highlights; [`index`] keeps the passages in tantivy;
//! [`retrieve`] ranks them for a question (BM25, sentence re-rank, the optional
//! semantic layer); [`answer`] refuses or cites them with verbatim excerpts.
//! Around it: [`digest`] and [`store`] (digests and the bot's state), [`ops`]
//! (health and metrics), [`eval`] (measuring answers), and the front ends [`bot`]
//! (Telegram) and [`cli`].
//!
//! Dependency rule: nothing but [`bot`] and [`cli`] depends on teloxide or formats
//! output for a front end; the rest returns plain data that they render. Only `cli`
//! reads the process environment, through [`config`].

pub mod analysis;
pub mod answer;
pub mod bot;
pub mod cli;
pub mod config;
pub mod digest;
pub mod eval;
pub mod index;
pub mod ingest;
pub mod ops;
pub mod retrieve;
pub mod store;
