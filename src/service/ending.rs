//! Ending sessions and tokens: in the store, and (with strict sessions) on
//! every instance at once.

use crate::audit::AuthEvent;
use crate::error::AuthError;
use crate::identity::Identity;
use crate::revocation::Revocation;

use super::Auth;

impl Auth {
    /// Ends one session: in the store, and (strict mode) on every instance.
    pub(crate) async fn end_session(&self, session_id: &str) -> Result<(), AuthError> {
        self.0
            .sessions
            .revoke_family(session_id, self.now())
            .await?;
        self.announce(Revocation::SessionsEnded {
            session_ids: vec![session_id.to_owned()],
        })
        .await;
        Ok(())
    }

    /// Ends every session of a user but `keep`: in the store, and (strict
    /// mode) on every instance.
    pub(crate) async fn end_user_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<(), AuthError> {
        let session_ids = self
            .0
            .sessions
            .revoke_user_families(user_id, keep, self.now())
            .await?;
        if !session_ids.is_empty() {
            self.announce(Revocation::SessionsEnded { session_ids })
                .await;
        }
        Ok(())
    }

    /// Ends what a user's changed credentials no longer vouch for: every
    /// session but `keep`, and every user token and on-behalf-of token
    /// acting as or by the user. App tokens stay (they belong to the app).
    pub(crate) async fn end_user_access(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<(), AuthError> {
        self.end_user_sessions(user_id, keep).await?;
        let ended = self
            .0
            .api_tokens
            .end_user_api_tokens(user_id, self.now())
            .await?;
        if ended > 0 {
            self.record(AuthEvent::UserTokensEnded {
                user_id: user_id.to_owned(),
                count: ended,
            });
        }
        Ok(())
    }

    /// Ends one of the signed-in user's own sessions (`DELETE
    /// /auth/sessions/{id}`); another user's is [`AuthError::NotFound`].
    #[tracing::instrument(name = "portcullis.end_own_session", skip_all, fields(user = %identity.user_id))]
    pub async fn end_own_session(
        &self,
        identity: &Identity,
        session_id: &str,
    ) -> Result<(), AuthError> {
        let user = self.own_account(identity).await?;
        let open = self.0.sessions.list_families(&user.id, self.now()).await?;
        if !open.iter().any(|family| family.id == session_id) {
            return Err(AuthError::NotFound);
        }
        self.end_session(session_id).await?;
        self.record(AuthEvent::SessionsEnded {
            user_id: user.id,
            session_id: Some(session_id.to_owned()),
        });
        Ok(())
    }

    /// Ends every session of the signed-in user but the one making the
    /// request ("sign out everywhere else").
    #[tracing::instrument(name = "portcullis.end_other_sessions", skip_all, fields(user = %identity.user_id))]
    pub async fn end_other_sessions(&self, identity: &Identity) -> Result<(), AuthError> {
        let user = self.own_account(identity).await?;
        self.end_user_sessions(&user.id, identity.session_id.as_deref())
            .await?;
        self.record(AuthEvent::SessionsEnded {
            user_id: user.id,
            session_id: None,
        });
        Ok(())
    }
}
