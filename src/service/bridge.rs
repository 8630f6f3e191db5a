//! Handing an external login's session to the app: the cookie bridge and
//! the app callback carry a single-use code (or, as the seed API has it,
//! the tokens themselves) from the provider's callback to the app.

use crate::error::AuthError;
use crate::identity::AuthMethod;
use crate::store::OneTimePurpose;
use crate::token::opaque;

use super::{Auth, Session, record_user};

impl Auth {
    /// Parks a session an external login just opened behind a single-use
    /// code that lives `oauth.bridge_ttl`: the redirect to the app carries
    /// the code, never a token. The session's own tokens never leave the
    /// server; redeeming the code rotates its refresh token into a new pair.
    pub async fn park_session(&self, session: &Session) -> Result<String, AuthError> {
        let spent = opaque::digest(&session.refresh_token);
        self.issue_one_time(
            OneTimePurpose::LoginCode,
            &session.user.id,
            &spent,
            self.0.config.oauth.bridge_ttl,
        )
        .await
    }

    /// Redeems a login code (`GET /auth/set-cookies?code=…`, `POST
    /// /auth/redeem`): once, within its lifetime, for a fresh pair of the
    /// session it parked. Unknown, spent and expired codes are all
    /// [`AuthError::TokenInvalid`].
    #[tracing::instrument(name = "portcullis.redeem_login_code", skip_all, fields(user = tracing::field::Empty))]
    pub async fn redeem_login_code(&self, code: &str) -> Result<Session, AuthError> {
        let parked = self.spend_one_time(code, OneTimePurpose::LoginCode).await?;
        record_user(&parked.user_id);
        self.rotate(&parked.data).await
    }

    /// Takes over a session from a pair of its tokens (the OAuth cookie
    /// bridge): the access token must be valid and of the same session as
    /// the refresh token, a session opened by an external login no longer
    /// than `oauth.bridge_ttl` ago. The refresh token is then rotated like
    /// any refresh, so the pair works once; presented again, it is reuse and
    /// ends the session.
    ///
    /// The limits narrow login CSRF (someone sending a victim a link with
    /// their own tokens) to fresh external logins; a URL that carries the
    /// tokens cannot be bound to the browser any further.
    #[tracing::instrument(name = "portcullis.bridge_session", skip_all, fields(user = tracing::field::Empty))]
    pub async fn bridge_session(
        &self,
        access_token: &str,
        refresh_token: &str,
    ) -> Result<Session, AuthError> {
        let identity = self.check_access_token(access_token).await?;
        record_user(&identity.user_id);
        let token = self
            .0
            .sessions
            .find_refresh_token(&opaque::digest(refresh_token))
            .await?
            .ok_or(AuthError::TokenInvalid)?;
        let family = &token.family;
        let federated = family
            .amr
            .iter()
            .any(|m| m == AuthMethod::Federated.as_str());
        let fresh = family.created_at + self.0.config.oauth.bridge_ttl > self.now();
        if identity.session_id.as_deref() != Some(family.id.as_str())
            || identity.actor.is_some()
            || !federated
            || !fresh
        {
            return Err(AuthError::TokenInvalid);
        }
        self.refresh(refresh_token).await
    }
}
