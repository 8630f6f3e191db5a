//! Passkeys: the types of the API, and the user's list (naming and
//! removing theirs). `ceremony.rs` (feature `passkeys`) registers passkeys
//! and signs in with them; without the feature those calls answer
//! [`AuthError::Unsupported`].

#[cfg(feature = "passkeys")]
mod ceremony;
#[cfg(not(feature = "passkeys"))]
mod unsupported;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::store::{PasskeyStore, StoredPasskey};

use super::Auth;

/// Longest passkey name, in characters.
const MAX_NAME: usize = 100;

/// A started WebAuthn ceremony: the options for the browser's
/// `navigator.credentials`, and the secret that binds the ceremony to the
/// browser that started it (the web layer keeps it in an HttpOnly cookie).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasskeyCeremony {
    /// `{publicKey: …}` as WebAuthn's JSON: for
    /// `PublicKeyCredential.parseCreationOptionsFromJSON` (registration) or
    /// `parseRequestOptionsFromJSON` (sign-in).
    pub options: serde_json::Value,
    /// The ceremony's single-use secret; present it to finish.
    pub challenge: String,
}

/// One of the user's passkeys, as their list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeyInfo {
    /// The credential id (base64url).
    pub id: String,
    /// The user's name for it.
    pub name: String,
    /// When it was registered.
    pub created_at: OffsetDateTime,
    /// When it last signed the user in.
    pub last_used_at: Option<OffsetDateTime>,
}

impl From<StoredPasskey> for PasskeyInfo {
    fn from(passkey: StoredPasskey) -> Self {
        Self {
            id: passkey.id,
            name: passkey.name,
            created_at: passkey.created_at,
            last_used_at: passkey.last_used_at,
        }
    }
}

impl Auth {
    /// The signed-in user's passkeys, oldest first.
    pub async fn my_passkeys(&self, identity: &Identity) -> Result<Vec<PasskeyInfo>, AuthError> {
        let user = self.me(identity).await?;
        let passkeys = self.passkey_store()?.passkeys_of(&user.id).await?;
        Ok(passkeys.into_iter().map(PasskeyInfo::from).collect())
    }

    /// Renames one of the signed-in user's passkeys.
    #[tracing::instrument(name = "portcullis.rename_passkey", skip_all, fields(user = %identity.user_id))]
    pub async fn rename_passkey(
        &self,
        identity: &Identity,
        id: &str,
        name: &str,
    ) -> Result<(), AuthError> {
        let user = self.own_account(identity).await?;
        let name = passkey_name(Some(name))?;
        match self
            .passkey_store()?
            .rename_passkey(&user.id, id, &name)
            .await?
        {
            true => Ok(()),
            false => Err(AuthError::NotFound),
        }
    }

    /// Removes one of the signed-in user's passkeys, unless it is the
    /// account's last way to sign in (no password, no other passkey, no
    /// linked provider, no sign-in links to its verified address): that is
    /// refused with [`AuthError::Conflict`].
    #[tracing::instrument(name = "portcullis.remove_passkey", skip_all, fields(user = %identity.user_id))]
    pub async fn remove_passkey(&self, identity: &Identity, id: &str) -> Result<(), AuthError> {
        let user = self.own_account(identity).await?;
        let store = self.passkey_store()?;
        let passkeys = store.passkeys_of(&user.id).await?;
        if !passkeys.iter().any(|p| p.id == id) {
            return Err(AuthError::NotFound);
        }
        let by_link = self.0.config.magic_links.enabled && user.email_verified;
        let other_way = user.password_hash.is_some()
            || passkeys.len() > 1
            || by_link
            || self.0.identities.count_identities(&user.id).await? > 0;
        if !other_way {
            return Err(AuthError::Conflict(
                "this passkey is the account's last way to sign in: add a password or another passkey first",
            ));
        }
        if !store.remove_passkey(&user.id, id).await? {
            return Err(AuthError::NotFound);
        }
        self.record(crate::audit::AuthEvent::PasskeyRemoved {
            user_id: user.id.clone(),
        });
        Ok(())
    }

    /// The passkey store, or 501 when the service has none.
    fn passkey_store(&self) -> Result<&Arc<dyn PasskeyStore>, AuthError> {
        self.0.passkeys.as_ref().ok_or(AuthError::Unsupported(
            "passkeys need a passkey store: call .store(..) or .passkeys(..)",
        ))
    }
}

/// A passkey's name: trimmed, not empty, at most [`MAX_NAME`] characters;
/// "Passkey" when none is given.
fn passkey_name(name: Option<&str>) -> Result<String, AuthError> {
    let Some(name) = name.map(str::trim) else {
        return Ok("Passkey".into());
    };
    if name.is_empty() {
        return Err(AuthError::invalid(Field::Name, Rule::Missing));
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AuthError::invalid(
            Field::Name,
            Rule::Said("a passkey's name is at most 100 printable characters".into()),
        ));
    }
    Ok(name.to_owned())
}

/// The browser's answer that finishes a sign-in with a passkey.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasskeyAnswer<'a> {
    /// The ceremony's secret ([`PasskeyCeremony::challenge`]).
    pub challenge: &'a str,
    /// The `PublicKeyCredential` as JSON (`credential.toJSON()`).
    pub credential: &'a serde_json::Value,
    /// The `mfaToken` of the login this passkey completes, when it is the
    /// second step; the same one the ceremony began with.
    pub mfa_token: Option<&'a str>,
    /// Whether a usernameless sign-in's session should last
    /// `remembered_session_ttl`.
    pub remember: bool,
    /// Opaque to the service: handed back with the session (a dialect
    /// remembers a cookie-mode sign-in this way).
    pub context: Option<String>,
}

impl<'a> PasskeyAnswer<'a> {
    /// An answer to the ceremony `challenge`.
    pub fn new(challenge: &'a str, credential: &'a serde_json::Value) -> Self {
        Self {
            challenge,
            credential,
            mfa_token: None,
            remember: false,
            context: None,
        }
    }
}
