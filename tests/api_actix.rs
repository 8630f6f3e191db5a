//! The black-box HTTP suite of `tests/api/`, against the actix-web adapter:
//! one suite, two frameworks, so any difference in status codes, headers,
//! cookies or bodies fails a test.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// The adapter under test.
pub const FRAMEWORK: common::Framework = common::Framework::Actix;

#[path = "api/accounts.rs"]
mod accounts;
#[path = "api/admin.rs"]
mod admin;
#[path = "api/authenticator.rs"]
mod authenticator;
#[path = "api/common.rs"]
mod common;
#[path = "api/directus_sdk.rs"]
mod directus_sdk;
#[path = "api/email_change.rs"]
mod email_change;
#[path = "api/formats.rs"]
mod formats;
#[path = "api/guards.rs"]
mod guards;
#[path = "api/input.rs"]
mod input;
#[path = "api/junk.rs"]
mod junk;
#[path = "api/magic_links.rs"]
mod magic_links;
#[path = "api/mail.rs"]
mod mail;
#[path = "api/mfa.rs"]
mod mfa;
#[path = "api/oauth/mod.rs"]
mod oauth;
#[path = "api/passkeys/mod.rs"]
mod passkeys;
#[path = "api/refresh_user.rs"]
mod refresh_user;
#[path = "api/review_http.rs"]
mod review_http;
#[path = "api/review_lockout.rs"]
mod review_lockout;
#[path = "api/review_mfa.rs"]
mod review_mfa;
#[path = "api/review_notices.rs"]
mod review_notices;
#[path = "api/review_passwords.rs"]
mod review_passwords;
#[path = "api/review_sessions.rs"]
mod review_sessions;
#[path = "api/review_tokens.rs"]
mod review_tokens;
#[path = "api/security.rs"]
mod security;
#[path = "api/sessions.rs"]
mod sessions;
#[path = "api/smtp.rs"]
mod smtp;
#[path = "api/throttling.rs"]
mod throttling;
#[path = "api/unguarded.rs"]
mod unguarded;
#[path = "api/v1_tokens.rs"]
mod v1_tokens;
#[path = "api/verification.rs"]
mod verification;
