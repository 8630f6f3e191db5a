//! Black-box HTTP tests: a real server on an ephemeral port, spoken to over HTTP.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod accounts;
mod guards;
mod input;
mod mail;
mod mfa;
mod security;
mod sessions;
mod throttling;
mod v1_tokens;
