//! Integration tests: one binary, so the stack links once.

mod analysis;
mod bot;
mod channels;
mod cli;
mod corpus;
mod crash;
mod digests;
mod faults;
mod feeds;
mod filters;
mod hostile;
mod ops;
mod render;
mod search;
mod semantic;
mod support;
