use async_trait::async_trait;

use super::StoreError;

/// A user's TOTP state: both secrets are sealed (encrypted) by the service
/// before they reach a store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TotpState {
    /// The confirmed secret; `Some` means MFA is on.
    pub secret: Option<String>,
    /// A secret being enrolled, until a code confirms it.
    pub pending: Option<String>,
}

/// Where second factors live: each user's TOTP secrets, the last TOTP step
/// accepted (the replay guard), and recovery codes (their digests).
///
/// [`confirm_totp`](SecondFactorStore::confirm_totp),
/// [`record_totp_step`](SecondFactorStore::record_totp_step) and
/// [`spend_recovery_code`](SecondFactorStore::spend_recovery_code) must be
/// atomic: of concurrent calls, one wins.
#[async_trait]
pub trait SecondFactorStore: Send + Sync + 'static {
    /// The user's TOTP state; empty for a user the store has never seen.
    async fn totp(&self, user_id: &str) -> Result<TotpState, StoreError>;

    /// Sets (or, with `None`, drops) the pending secret; the active one stays.
    async fn set_pending_totp(&self, user_id: &str, sealed: Option<&str>)
    -> Result<(), StoreError>;

    /// Makes the pending secret the active one, atomically and only if the
    /// pending secret is still `pending` (of two concurrent confirmations,
    /// one wins); clears the pending slot and forgets the steps accepted.
    async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError>;

    /// Records that the TOTP code of time step `step` was used, atomically
    /// and only if it is later than every step accepted before (since the
    /// secret was last set): a code works once, and never after a later one.
    async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError>;

    /// Replaces the active secret with the same secret sealed again (under
    /// a newer key), atomically and only if the active secret is still
    /// `current`; the steps accepted stay. Returns whether it did.
    async fn reseal_totp(
        &self,
        user_id: &str,
        current: &str,
        resealed: &str,
    ) -> Result<bool, StoreError>;

    /// Forgets every second factor of the user: both secrets, the steps
    /// accepted, and the recovery codes (MFA off).
    async fn remove_second_factors(&self, user_id: &str) -> Result<(), StoreError>;

    /// Replaces the user's recovery codes (their digests) with these.
    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
    ) -> Result<(), StoreError>;

    /// Spends one recovery code, atomically; returns whether it was there.
    async fn spend_recovery_code(&self, user_id: &str, code_hash: &str)
    -> Result<bool, StoreError>;
}
