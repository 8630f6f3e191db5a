//! Password hashing: Argon2id on the blocking pool, bounded by a semaphore,
//! and the password policy.
//!
//! Hashing never runs on an async worker thread, and at most
//! `max_concurrent_hashes` run at once, so a flood of logins queues for the
//! hasher instead of stalling every other request. Verification for an
//! unknown account runs against a dummy hash of the same cost, so that the
//! answer takes as long as for a wrong password.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::PasswordPolicy;
use crate::error::{AuthError, Field, Rule};

/// Hashes and verifies passwords with Argon2id.
#[derive(Clone)]
pub(crate) struct PasswordHasher {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    dummy: Arc<OnceCell<String>>,
    min_length: usize,
    max_length: usize,
}

impl PasswordHasher {
    /// A hasher with the policy's cost and limits.
    pub(crate) fn new(policy: &PasswordPolicy) -> Result<Self, argon2::Error> {
        let params = policy.argon2_params()?;
        Ok(Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            permits: Arc::new(Semaphore::new(policy.max_concurrent_hashes)),
            dummy: Arc::new(OnceCell::new()),
            min_length: policy.min_length,
            max_length: policy.max_length,
        })
    }

    /// Checks a new password against the policy.
    pub(crate) fn check_policy(&self, password: &str) -> Result<(), AuthError> {
        let length = password.chars().count();
        let rule = if length < self.min_length {
            Rule::TooShort {
                min: self.min_length,
            }
        } else if length > self.max_length {
            Rule::TooLong {
                max: self.max_length,
            }
        } else {
            return Ok(());
        };
        Err(AuthError::invalid(Field::Password, rule))
    }

    /// The PHC string of a new Argon2id hash of `password`.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        self.blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| {
                    tracing::error!(error = %e, "argon2 hashing failed");
                    AuthError::Unavailable
                })
        })
        .await?
    }

    /// Whether `password` matches `hash`. With no hash (unknown account, or
    /// one without a password) it verifies against a dummy hash of the same
    /// cost and answers `false`, taking the same time.
    pub(crate) async fn verify(
        &self,
        password: &str,
        hash: Option<&str>,
    ) -> Result<bool, AuthError> {
        let (phc, real) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash().await?, false),
        };
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        let matched = self
            .blocking(move || match PasswordHash::new(&phc) {
                Ok(parsed) => argon2.verify_password(password.as_bytes(), &parsed).is_ok(),
                Err(e) => {
                    tracing::error!(error = %e, "stored password hash is not a PHC string");
                    false
                }
            })
            .await?;
        Ok(matched && real)
    }

    async fn dummy_hash(&self) -> Result<String, AuthError> {
        self.dummy
            .get_or_try_init(|| self.hash("portcullis dummy password"))
            .await
            .cloned()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AuthError::Unavailable)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing task failed");
            AuthError::Unavailable
        })
    }
}
