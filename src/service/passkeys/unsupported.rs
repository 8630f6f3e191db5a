//! Without the `passkeys` feature, the ceremonies answer 501.

use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::{Auth, Client, SecondFactorLogin};

use super::{PasskeyCeremony, PasskeyInfo};

const WITHOUT_FEATURE: AuthError =
    AuthError::Unsupported("passkeys need portcullis's `passkeys` feature");

impl Auth {
    /// Starts registering a passkey (feature `passkeys`).
    pub async fn begin_passkey_registration(
        &self,
        _identity: &Identity,
        _current_password: Option<&str>,
        _client: Client,
    ) -> Result<PasskeyCeremony, AuthError> {
        Err(WITHOUT_FEATURE)
    }

    /// Finishes registering a passkey (feature `passkeys`).
    pub async fn finish_passkey_registration(
        &self,
        _identity: &Identity,
        _challenge: &str,
        _credential: &serde_json::Value,
        _name: Option<&str>,
    ) -> Result<PasskeyInfo, AuthError> {
        Err(WITHOUT_FEATURE)
    }

    /// Starts a sign-in with a passkey (feature `passkeys`).
    pub async fn begin_passkey_login(
        &self,
        _mfa_token: Option<&str>,
        _client: Client,
    ) -> Result<PasskeyCeremony, AuthError> {
        Err(WITHOUT_FEATURE)
    }

    /// Finishes a sign-in with a passkey (feature `passkeys`).
    pub async fn finish_passkey_login(
        &self,
        _answer: super::PasskeyAnswer<'_>,
        _client: Client,
    ) -> Result<SecondFactorLogin, AuthError> {
        Err(WITHOUT_FEATURE)
    }
}
