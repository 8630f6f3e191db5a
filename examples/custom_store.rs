//! Keeping users and sessions in a store of your own: implement
//! `UserStore` and `TokenStore`, then prove the implementation with the
//! conformance suite (feature `testing`) before trusting it.
//!
//! This store wraps another one and writes an audit line for every change,
//! a common reason to write a store. Run it to see the suite pass:
//!
//! ```sh
//! cargo run --example custom_store --features testing
//! ```

use async_trait::async_trait;
use portcullis::store::{
    ApiToken, ApiTokenKind, MemoryStore, NewUser, OneTimeToken, RefreshFamily, RefreshToken,
    StoreError, TokenStore, User, UserChanges, UserStore, conformance,
};
use time::OffsetDateTime;

/// Any store, with an audit trail of every write.
#[derive(Clone)]
struct AuditedStore<S> {
    inner: S,
}

#[async_trait]
impl<S: UserStore + Clone> UserStore for AuditedStore<S> {
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        let created = self.inner.create_user(user).await?;
        println!("audit: created user {}", created.id);
        Ok(created)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.inner.find_user(id).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.inner.find_user_by_email(email).await
    }

    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError> {
        let user = self.inner.update_user(id, changes).await?;
        println!("audit: updated user {id}");
        Ok(user)
    }

    async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError> {
        let confirmed = self.inner.confirm_totp(user_id, pending).await?;
        println!("audit: MFA of user {user_id} confirmed: {confirmed}");
        Ok(confirmed)
    }

    async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        self.inner.record_totp_step(user_id, step).await
    }

    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
    ) -> Result<(), StoreError> {
        self.inner
            .replace_recovery_codes(user_id, code_hashes)
            .await?;
        println!("audit: new recovery codes for user {user_id}");
        Ok(())
    }

    async fn spend_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let spent = self.inner.spend_recovery_code(user_id, code_hash).await?;
        println!("audit: recovery code of user {user_id} spent: {spent}");
        Ok(spent)
    }

    async fn find_user_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<User>, StoreError> {
        self.inner.find_user_by_identity(provider, subject).await
    }

    async fn link_identity(
        &self,
        user_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        self.inner.link_identity(user_id, provider, subject).await?;
        println!("audit: user {user_id} linked to a {provider} identity");
        Ok(())
    }
}

#[async_trait]
impl<S: TokenStore + Clone> TokenStore for AuditedStore<S> {
    async fn create_family(
        &self,
        family: &RefreshFamily,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        self.inner.create_family(family, token_hash).await?;
        println!(
            "audit: user {} signed in (session {})",
            family.user_id, family.id
        );
        Ok(())
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshToken>, StoreError> {
        self.inner.find_refresh_token(token_hash).await
    }

    async fn rotate_refresh_token(
        &self,
        spent: &str,
        next: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.inner.rotate_refresh_token(spent, next, now).await
    }

    async fn revoke_family(&self, family_id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        self.inner.revoke_family(family_id, now).await?;
        println!("audit: session {family_id} revoked");
        Ok(())
    }

    async fn revoke_user_families(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let revoked = self.inner.revoke_user_families(user_id, keep, now).await?;
        println!("audit: {revoked} sessions of user {user_id} revoked");
        Ok(revoked)
    }

    async fn create_api_token(&self, token: &ApiToken) -> Result<(), StoreError> {
        self.inner.create_api_token(token).await?;
        println!(
            "audit: {} token made for user {}",
            token.kind.as_str(),
            token.user_id
        );
        Ok(())
    }

    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        self.inner.find_api_token(token_hash).await
    }

    async fn set_api_token_expiry(
        &self,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.inner
            .set_api_token_expiry(token_hash, expires_at)
            .await
    }

    async fn delete_api_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        let deleted = self.inner.delete_api_token(token_hash).await?;
        println!("audit: api token deleted: {deleted}");
        Ok(deleted)
    }

    async fn list_api_tokens(
        &self,
        owner_id: &str,
        kinds: &[ApiTokenKind],
    ) -> Result<Vec<ApiToken>, StoreError> {
        self.inner.list_api_tokens(owner_id, kinds).await
    }

    async fn purge_expired(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let purged = self.inner.purge_expired(now).await?;
        println!("audit: {purged} expired records purged");
        Ok(purged)
    }

    async fn create_one_time_token(&self, token: &OneTimeToken) -> Result<(), StoreError> {
        self.inner.create_one_time_token(token).await
    }

    async fn find_one_time_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        self.inner.find_one_time_token(token_hash).await
    }

    async fn revoke_one_time_tokens(&self, user_id: &str) -> Result<u64, StoreError> {
        self.inner.revoke_one_time_tokens(user_id).await
    }

    async fn consume_one_time_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        self.inner.consume_one_time_token(token_hash).await
    }

    async fn count_one_time_token_failure(&self, token_hash: &str) -> Result<u32, StoreError> {
        self.inner.count_one_time_token_failure(token_hash).await
    }

    async fn list_families(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<RefreshFamily>, StoreError> {
        self.inner.list_families(user_id, now).await
    }
}

#[tokio::main]
async fn main() {
    let store = AuditedStore {
        inner: MemoryStore::new(),
    };
    conformance::user_store(&store).await;
    conformance::token_store(&store).await;
    println!("AuditedStore keeps every promise of UserStore and TokenStore");

    // And it plugs in like any store:
    let auth = portcullis::Auth::builder(portcullis::AuthConfig::new(vec![42; 32]))
        .store(store)
        .build();
    assert!(auth.is_ok());
}
