//! Password hashing: Argon2id on the blocking pool, bounded by a semaphore,
//! and the password policy (length, the bundled list of common passwords).
//!
//! Passwords are normalized to Unicode NFKC before anything else (NIST SP
//! 800-63B rev 4): the same password typed on two keyboards is one password.
//!
//! Hashing never runs on an async worker thread, and at most
//! `max_concurrent_hashes` run at once, so a flood of logins queues for the
//! hasher instead of stalling every other request. Verification for an
//! unknown account runs against a dummy hash of the same cost, so that the
//! answer takes as long as for a wrong password.

mod breached;
mod common;

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Version};
use tokio::sync::{OnceCell, Semaphore};
use unicode_normalization::UnicodeNormalization;

use crate::config::PasswordPolicy;
use crate::error::{AuthError, Field, Rule};

pub use breached::{BreachedPasswords, k_anonymity_range};

/// What checking a password against its hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verified {
    /// Whether it matched.
    pub(crate) matched: bool,
    /// Whether the hash should be made again: its Argon2 parameters are not
    /// the policy's any more, or it predates NFKC normalization.
    pub(crate) rehash: bool,
}

/// The password as it is checked and hashed: Unicode NFKC.
pub(crate) fn normalized(password: &str) -> String {
    password.nfkc().collect()
}
/// Hashes and verifies passwords with Argon2id.
#[derive(Clone)]
pub(crate) struct PasswordHasher {
    argon2: Argon2<'static>,
    params: argon2::Params,
    permits: Arc<Semaphore>,
    dummy: Arc<OnceCell<String>>,
    min_length: usize,
    single_factor_min_length: usize,
    max_length: usize,
}

impl PasswordHasher {
    /// A hasher with the policy's cost and limits.
    pub(crate) fn new(policy: &PasswordPolicy) -> Result<Self, argon2::Error> {
        let params = policy.argon2_params()?;
        Ok(Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()),
            params,
            permits: Arc::new(Semaphore::new(policy.max_concurrent_hashes)),
            dummy: Arc::new(OnceCell::new()),
            min_length: policy.min_length,
            single_factor_min_length: policy
                .single_factor_min_length
                .map_or(policy.min_length, |min| min.max(policy.min_length)),
            max_length: policy.max_length,
        })
    }

    /// Checks a new password against the policy: its length (the longer
    /// minimum when it is to be the account's only factor), then the list
    /// of common passwords.
    pub(crate) fn check_policy(
        &self,
        password: &str,
        single_factor: bool,
    ) -> Result<(), AuthError> {
        let password = normalized(password);
        let length = password.chars().count();
        let min = if single_factor {
            self.single_factor_min_length
        } else {
            self.min_length
        };
        let rule = if length < min {
            Rule::TooShort { min }
        } else if length > self.max_length {
            Rule::TooLong {
                max: self.max_length,
            }
        } else if common::is_common(&password) {
            Rule::TooCommon
        } else {
            return Ok(());
        };
        Err(AuthError::invalid(Field::Password, rule))
    }

    /// The PHC string of a new Argon2id hash of `password`.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let argon2 = self.argon2.clone();
        let password = normalized(password);
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

    /// Whether `password` matches `hash`, and whether the hash should be
    /// made again. With no hash (unknown account, or one without a
    /// password) it verifies against a dummy hash of the same cost and
    /// answers no match, taking the same time.
    pub(crate) async fn verify(
        &self,
        password: &str,
        hash: Option<&str>,
    ) -> Result<Verified, AuthError> {
        let (phc, real) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash().await?, false),
        };
        let argon2 = self.argon2.clone();
        let current = self.params.clone();
        let (nfkc, typed) = (normalized(password), password.to_owned());
        let verified = self
            .blocking(move || {
                let parsed = match PasswordHash::new(&phc) {
                    Ok(parsed) => parsed,
                    Err(e) => {
                        tracing::error!(error = %e, "stored password hash is not a PHC string");
                        return Verified {
                            matched: false,
                            rehash: false,
                        };
                    }
                };
                let matches = |candidate: &str| {
                    argon2
                        .verify_password(candidate.as_bytes(), &parsed)
                        .is_ok()
                };
                if matches(&nfkc) {
                    let argon2id = parsed.algorithm == Algorithm::Argon2id.ident()
                        && parsed.version == Some(Version::V0x13.into());
                    let stale = !argon2id
                        || argon2::Params::try_from(&parsed).map_or(true, |params| {
                            (params.m_cost(), params.t_cost(), params.p_cost())
                                != (current.m_cost(), current.t_cost(), current.p_cost())
                        });
                    Verified {
                        matched: true,
                        rehash: stale,
                    }
                } else {
                    // Hashed before passwords were normalized.
                    let legacy = nfkc != typed && matches(&typed);
                    Verified {
                        matched: legacy,
                        rehash: legacy,
                    }
                }
            })
            .await?;
        Ok(Verified {
            matched: verified.matched && real,
            rehash: verified.rehash && real,
        })
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
