//! [`Hooks`]: where an app joins in: after an account is created, before a
//! sign-in opens a session (to refuse it), and claims of its own in access
//! tokens. Set them with `Auth::builder(..).hooks(..)`; every method has a
//! default that does nothing.
//!
//! ```
//! use async_trait::async_trait;
//! use portcullis::hooks::Hooks;
//! use portcullis::store::User;
//! use serde_json::{Map, Value, json};
//!
//! /// Every user belongs to the tenant of their address's domain.
//! struct Tenants;
//!
//! #[async_trait]
//! impl Hooks for Tenants {
//!     async fn before_login(&self, user: &User, _methods: &[String]) -> Result<(), String> {
//!         if user.email.ends_with("@suspended.example") {
//!             return Err("this tenant is suspended".into());
//!         }
//!         Ok(())
//!     }
//!
//!     async fn custom_claims(&self, user: &User) -> Map<String, Value> {
//!         let domain = user.email.rsplit('@').next().unwrap_or_default();
//!         let mut claims = Map::new();
//!         claims.insert("tenant".into(), json!(domain));
//!         claims
//!     }
//! }
//! ```

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::store::User;

/// The claims of an access token that hooks cannot set: portcullis's own
/// and the registered ones that others read (RFC 7519, 8693, 9068).
pub const RESERVED_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "sid",
    "role",
    "amr",
    "acr",
    "auth_time",
    "act",
    "azp",
    "cnf",
    "scope",
    "client_id",
    "typ",
];

/// The most a token's custom claims may take, serialized: tokens travel in
/// every request header.
pub const MAX_CUSTOM_CLAIMS: usize = 2048;

/// An app's hooks into the service's life.
#[async_trait]
pub trait Hooks: Send + Sync + 'static {
    /// After an account is created, whatever the way: registration, an
    /// admin's creation or invitation, a first external login.
    async fn account_created(&self, user: &User) {
        let _ = user;
    }

    /// Before a sign-in opens a session (a password, a second factor, an
    /// external login, a code): `Err(reason)` refuses it, and the client
    /// is told the reason (403 `LOGIN_REFUSED`).
    async fn before_login(&self, user: &User, methods: &[String]) -> Result<(), String> {
        let _ = (user, methods);
        Ok(())
    }

    /// Claims to add to the user's access tokens, at sign-in and at every
    /// refresh. Reserved claims ([`RESERVED_CLAIMS`]) are dropped, and
    /// claims over [`MAX_CUSTOM_CLAIMS`] bytes all are (both logged).
    async fn custom_claims(&self, user: &User) -> Map<String, Value> {
        let _ = user;
        Map::new()
    }
}

/// The hooks of an app that set none.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl Hooks for NoHooks {}

/// The custom claims a hook gave, less the reserved ones and within bounds.
pub(crate) fn bounded(mut claims: Map<String, Value>) -> Map<String, Value> {
    claims.retain(|name, _| {
        let reserved = RESERVED_CLAIMS.contains(&name.as_str());
        if reserved {
            tracing::warn!(claim = %name, "a hook set a reserved claim: dropped");
        }
        !reserved
    });
    let size = serde_json::to_vec(&claims).map_or(usize::MAX, |json| json.len());
    if size > MAX_CUSTOM_CLAIMS {
        tracing::error!(
            size,
            "a hook's claims are too large for a token: all dropped"
        );
        return Map::new();
    }
    claims
}
