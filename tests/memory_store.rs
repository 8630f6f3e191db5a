//! The conformance kit against the in-memory stores: every seam on its
//! own, keyed by the store's own users and by ids of any shape.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::store::conformance::{self, OpaqueIds};
use portcullis::store::{MemoryRateLimiter, MemoryStore, SecondFactorStore, StoreError, TotpState};

#[tokio::test]
async fn memory_user_store() {
    conformance::user_store(&MemoryStore::new())
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_session_store() {
    let store = MemoryStore::new();
    conformance::session_store(&store, &store)
        .await
        .assert_passed();
    conformance::session_store(&store, &OpaqueIds)
        .await
        .assert_passed();
    conformance::sessions_beside_users(&store)
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_one_time_token_store() {
    let store = MemoryStore::new();
    conformance::one_time_token_store(&store, &OpaqueIds)
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_api_token_store() {
    let store = MemoryStore::new();
    conformance::api_token_store(&store, &OpaqueIds)
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_second_factor_store() {
    let store = MemoryStore::new();
    conformance::second_factor_store(&store, &OpaqueIds)
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_identity_store() {
    let store = MemoryStore::new();
    conformance::identity_store(&store, &OpaqueIds)
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_passkey_store() {
    let store = MemoryStore::new();
    conformance::passkey_store(&store, &OpaqueIds)
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_user_directory() {
    conformance::user_directory(&MemoryStore::new())
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_rate_limiter() {
    conformance::rate_limiter(&MemoryRateLimiter::new())
        .await
        .assert_passed();
    let shared = MemoryRateLimiter::new();
    conformance::shared_rate_limiter(&shared, &shared.clone())
        .await
        .assert_passed();
}

#[tokio::test]
async fn memory_revocation_channel() {
    let channel = portcullis::revocation::MemoryRevocations::new();
    conformance::revocation_channel(&channel, &channel.clone())
        .await
        .assert_passed();
}

#[tokio::test]
async fn a_broken_promise_fails_its_case_by_name_and_the_others_still_run() {
    /// Loses every recovery code it is given: a store that breaks one promise.
    struct Forgetful(MemoryStore);

    #[async_trait::async_trait]
    impl SecondFactorStore for Forgetful {
        async fn totp(&self, user_id: &str) -> Result<TotpState, StoreError> {
            self.0.totp(user_id).await
        }
        async fn set_pending_totp(
            &self,
            user_id: &str,
            sealed: Option<&str>,
        ) -> Result<(), StoreError> {
            self.0.set_pending_totp(user_id, sealed).await
        }
        async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError> {
            self.0.confirm_totp(user_id, pending).await
        }
        async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
            self.0.record_totp_step(user_id, step).await
        }
        async fn reseal_totp(
            &self,
            user_id: &str,
            current: &str,
            resealed: &str,
        ) -> Result<bool, StoreError> {
            self.0.reseal_totp(user_id, current, resealed).await
        }
        async fn remove_second_factors(&self, user_id: &str) -> Result<(), StoreError> {
            self.0.remove_second_factors(user_id).await
        }
        async fn replace_recovery_codes(&self, _: &str, _: &[String]) -> Result<(), StoreError> {
            Ok(())
        }
        async fn spend_recovery_code(
            &self,
            user_id: &str,
            code_hash: &str,
        ) -> Result<bool, StoreError> {
            self.0.spend_recovery_code(user_id, code_hash).await
        }
    }
    let report = conformance::second_factor_store(&Forgetful(MemoryStore::new()), &OpaqueIds).await;
    assert!(!report.passed());
    let failed: Vec<&str> = report.failures().map(|case| case.name).collect();
    assert_eq!(
        failed,
        [
            "recovery_codes_are_spent_once_and_per_user",
            "replacing_recovery_codes_voids_the_old_ones"
        ],
        "{report}"
    );
    assert!(
        report.cases.len() > failed.len() + 5,
        "every other case ran and passed: {report}"
    );
}
