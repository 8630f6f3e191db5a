//! Password hashing: Argon2id on a fixed set of hashing threads that keep
//! their memory ([`workers`]), and the password policy (length, the bundled
//! list of common passwords).
//!
//! Passwords are normalized to Unicode NFKC before anything else (NIST SP
//! 800-63B rev 4): the same password typed on two keyboards is one password.
//!
//! Hashing never runs on an async worker thread, and at most
//! `max_concurrent_hashes` run at once, so a flood of logins waits for the
//! hasher instead of stalling every other request; past
//! `max_queued_hashes` waiting, it is refused at once. Verification for an
//! unknown account runs against a dummy hash of the same cost, so that the
//! answer takes as long as for a wrong password.

mod breached;
mod common;
mod workers;

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::OnceCell;
use unicode_normalization::UnicodeNormalization;

use crate::config::PasswordPolicy;
use crate::error::{AuthError, Field, Rule};
use workers::{Memory, Workers};

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
    params: Params,
    workers: Arc<Workers>,
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
            workers: Arc::new(Workers::start(
                policy.max_concurrent_hashes,
                policy.max_queued_hashes,
                params.block_count(),
            )),
            params,
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
        let params = self.params.clone();
        let password = normalized(password);
        self.workers
            .run(move |memory| {
                new_hash(&params, password.as_bytes(), memory).map_err(|e| {
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
        let current = self.params.clone();
        let (nfkc, typed) = (normalized(password), password.to_owned());
        let verified = self
            .workers
            .run(move |memory| {
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
                let mut matches =
                    |candidate: &str| matches_hash(&parsed, candidate.as_bytes(), memory);
                if matches(&nfkc) {
                    let argon2id = parsed.algorithm == Algorithm::Argon2id.ident()
                        && parsed.version == Some(Version::V0x13.into());
                    let stale = !argon2id
                        || Params::try_from(&parsed).map_or(true, |params| {
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
}

/// A new Argon2id hash of `password` as a PHC string, made in the worker's
/// kept memory (the `argon2` crate's own `hash_password` allocates it anew).
fn new_hash(
    params: &Params,
    password: &[u8],
    memory: &mut Memory,
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; argon2::password_hash::Salt::MAX_LENGTH];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password,
            salt_bytes,
            out,
            memory.blocks(params.block_count()),
        )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(out)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` hashes to `stored`, under the algorithm, version and
/// parameters `stored` names; the outputs compare in constant time
/// (`Output`'s equality).
fn matches_hash(stored: &PasswordHash<'_>, password: &[u8], memory: &mut Memory) -> bool {
    let (Some(expected), Some(salt)) = (stored.hash, stored.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm) else {
        return false;
    };
    let version = match stored.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let mut salt_bytes = [0u8; argon2::password_hash::Salt::MAX_LENGTH];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    let blocks = memory.blocks(params.block_count());
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, out, blocks)
        .is_ok()
        && Output::new(out).is_ok_and(|computed| computed == expected)
}
