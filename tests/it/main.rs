//! Integration tests: one binary, so the stack links once.

mod analysis;
mod cli;
mod corpus;
mod search;
