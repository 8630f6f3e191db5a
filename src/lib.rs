//! # portcullis
//!
//! Embeddable authentication for Rust web services: password login,
//! refresh-token sessions with rotation and reuse detection, cookie sessions
//! with CSRF defence, throttling, TOTP, passkeys (feature `passkeys`) and
//! mailed sign-in links, as a tower layer plus ready-made HTTP handlers over
//! the storage you choose.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use portcullis::{Auth, AuthConfig, Identity, store::MemoryStore};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = Auth::builder(AuthConfig::new(std::env::var("JWT_SECRET")?.into_bytes()))
//!     .store(MemoryStore::new())
//!     .build()?;
//!
//! let app: Router = Router::new()
//!     .route("/whoami", get(|me: Identity| async move { me.user_id }))
//!     .nest("/api", auth.routes())
//!     .layer(auth.layer());
//! # Ok(()) }
//! ```
//!
//! The pieces, from the outside in:
//! - [`axum`] (feature `axum`, on by default): `auth.routes()`,
//!   `auth.layer()`, `auth.require_role(..)` and the [`Identity`] extractor.
//! - [`web`]: the framework-agnostic layer and the wire formats.
//! - [`Auth`]: the service that owns every rule.
//! - [`oauth`]: the [`oauth::OAuthProvider`] trait and the OpenID Connect
//!   (Google), GitHub and Facebook providers, for logins through them.
//! - [`store`]: the storage traits and in-memory implementations; SQLite and
//!   PostgreSQL live in the `portcullis-sqlx` crate.

#![deny(unsafe_code)]
#![warn(unreachable_pub)]

#[cfg(feature = "actix-web")]
pub mod actix;
pub mod audit;
#[cfg(feature = "axum")]
pub mod axum;
mod clock;
pub mod config;
mod error;
pub mod hooks;
mod identity;
pub mod keys;
pub mod mail;
mod mfa;
pub mod oauth;
#[cfg(feature = "openapi")]
pub use web::openapi;
mod password;
#[cfg(any(feature = "oauth", feature = "verifier"))]
mod remote;
pub mod revocation;
mod service;
pub mod store;
mod token;
#[cfg(feature = "verifier")]
pub mod verifier;
pub mod web;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{AuthConfig, EmailVerification, PasswordPolicy, Secret, Throttle};
pub use error::{AuthError, ConfigError, Field, Rule};
pub use identity::{AuthMethod, Identity};
pub use password::{BreachedPasswords, k_anonymity_range};
pub use service::{
    AccountChanges, Agent, Auth, AuthBuilder, Client, Credentials, LoginOutcome, MagicLinkRequest,
    MfaEnrolment, MfaProof, NewAccount, OAuthCallback, OAuthFailure, OAuthLanding, OAuthRequest,
    OAuthStart, PasskeyAnswer, PasskeyCeremony, PasskeyInfo, ProfileUpdate, SecondFactorLogin,
    Session, TokenScope,
};

/// The README's Rust examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
