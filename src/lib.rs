//! newsdesk answers questions about a news archive with cited excerpts, on the
//! command line and in Telegram.
//!
//! Dependency rule: [`analysis`], [`corpus`], [`excerpt`], [`search`], [`eval`],
//! [`digest`], [`store`], [`watch`] and [`ops`] never depend on teloxide or any front end;
//! they return plain data that the CLI and the bot render. Only `cli` reads the
//! process environment, through [`config`].

pub mod analysis;
mod bm25;
pub mod bot;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod digest;
pub mod embed;
pub mod eval;
pub mod excerpt;
pub mod names;
pub mod ops;
pub mod plain;
pub mod search;
pub mod semantic;
pub mod store;
pub mod vectors;
pub mod watch;
