//! [`AuthState`]: what authentication found out about a request.

use crate::error::AuthError;
use crate::identity::Identity;

/// What authentication found out about a request; the layer puts it in the
/// request's extensions for endpoints, extractors and guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// No credentials were presented.
    Anonymous,
    /// Valid credentials were presented.
    Authenticated(Identity),
    /// Credentials were presented and failed (expired, forged…): protected
    /// routes answer with the error; public ones answer as to anyone.
    Rejected(AuthError),
    /// The request may not go on at all: a cookie-authenticated unsafe
    /// request from a foreign origin (CSRF). Every endpoint, guard and
    /// extractor answers with the error, each in its own wire format.
    Refused(AuthError),
}

impl AuthState {
    /// The identity, or the error a protected route should answer with.
    pub fn identity(&self) -> Result<&Identity, AuthError> {
        match self {
            Self::Authenticated(identity) => Ok(identity),
            Self::Anonymous => Err(AuthError::Unauthenticated),
            Self::Rejected(err) | Self::Refused(err) => Err(err.clone()),
        }
    }

    /// The refusal, when the request may not go on at all.
    pub fn refusal(&self) -> Option<&AuthError> {
        match self {
            Self::Refused(err) => Some(err),
            _ => None,
        }
    }
}
