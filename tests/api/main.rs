//! Black-box HTTP tests: a real server on an ephemeral port, spoken to over
//! HTTP. This crate serves the API with axum; `tests/api_actix.rs` runs the
//! very same modules against actix-web.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// The adapter under test.
pub const FRAMEWORK: common::Framework = common::Framework::Axum;

mod common;

mod accounts;
mod admin;
mod authenticator;
mod directus_sdk;
mod email_change;
mod formats;
mod guards;
mod input;
mod junk;
mod magic_links;
mod mail;
mod mfa;
mod oauth;
mod passkeys;
mod refresh_user;
mod review_http;
mod review_lockout;
mod review_mfa;
mod review_notices;
mod review_passwords;
mod review_sessions;
mod review_tokens;
mod security;
mod sessions;
mod smtp;
mod throttling;
mod unguarded;
mod v1_tokens;
mod verification;
