//! The framework-agnostic web layer: authenticating requests from their
//! headers (bearer token, `App-Token` + `Token` pair, or cookies), CSRF
//! defence for cookie sessions, and the HTTP endpoints of each wire format
//! ([`dialect`]).
//!
//! It speaks `http::Request`/`http::Response` with [`bytes::Bytes`] bodies;
//! the framework adapters only move requests in and responses out. It
//! never touches a store: everything goes through [`crate::Auth`].
//!
//! Data flows one way: the adapters use this layer; the [`dialect`]s use
//! its shared leaves (the request, responses, cookies, CSRF, the OAuth
//! flow) and the service; no dialect imports another.
//!
//! **Refusals come in the wire format of the routes they guard.** The
//! layer itself never answers: it records an [`AuthState`] (a CSRF failure
//! is [`AuthState::Refused`]) and lets the request go on, so that each
//! dialect endpoint answers a refusal in its own format, a guard in the
//! format it was given ([`GuardLayer::refusing_as`]), and the extractors in
//! the native one.

mod body;
mod call;
mod client_ip;
mod cookies;
mod credentials;
mod csrf;
pub mod dialect;
mod jwks;
mod layer;
mod login_context;
mod oauth_flow;
#[cfg(feature = "openapi")]
pub mod openapi;
mod peer;
mod respond;
mod state;

pub use body::read_body;
pub use jwks::{JWKS_MAX_AGE, jwks_response};
pub use layer::{AuthLayer, AuthService, Guard, GuardLayer, Requirement};
pub use peer::{PeerAddr, PeerReader, peer_addr};
pub use state::AuthState;

#[cfg(feature = "actix-web")]
pub(crate) use credentials::admit;
#[cfg(feature = "verifier")]
pub(crate) use credentials::bearer_token;
#[cfg(feature = "actix-web")]
pub(crate) use layer::verdict;
#[cfg(feature = "actix-web")]
pub(crate) use peer::client;
