//! The quickstart's keys: from the variables, or generated on first start
//! and kept in files beside the database (readable by their owner only),
//! so that restarts keep sessions and MFA enrolments.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Environment, list, write_private};
use crate::config::{KeyConfig, Secret, legacy_sealing_key};
use crate::error::ConfigError;
use crate::keys::{KeySet, SigningKey};

/// The generated Ed25519 signing key (PKCS#8 PEM).
const SIGNING_FILE: &str = ".portcullis-signing-key.pem";
/// The generated TOTP sealing key (32 bytes, base64url).
const SEALING_FILE: &str = ".portcullis-sealing-key";
/// The HS256 secret earlier releases generated.
const LEGACY_SECRET_FILE: &str = ".portcullis-secret";

impl Environment {
    /// The signing keys and the sealing keys the variables describe:
    /// `PORTCULLIS_JWT_SECRET` (HS256) or `PORTCULLIS_SIGNING_KEY` (a PEM
    /// file), else an Ed25519 key kept beside the database;
    /// `PORTCULLIS_VERIFY_KEYS` for keys that only verify; and
    /// `PORTCULLIS_SEALING_KEY`, else a sealing key kept beside the
    /// database. An HS256 secret of an earlier release, in
    /// `.portcullis-secret`, still verifies the tokens it signed, and the
    /// sealing key derived from it still opens what it sealed, until each
    /// is sealed again.
    pub(super) fn keys(&self) -> Result<KeyConfig, ConfigError> {
        let dir = self.key_dir();
        let legacy = std::fs::read_to_string(dir.join(LEGACY_SECRET_FILE))
            .ok()
            .map(|secret| Secret::from(secret.trim()));
        let shared = self.get("JWT_SECRET").map(Secret::from);
        let active = match (&shared, self.get("SIGNING_KEY")) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "set PORTCULLIS_JWT_SECRET (HS256) or PORTCULLIS_SIGNING_KEY (a PEM file), not both",
                ));
            }
            (Some(secret), None) => SigningKey::hs256(secret.clone()),
            (None, Some(path)) => SigningKey::from_pem_file(path)
                .map_err(|e| ConfigError(format!("PORTCULLIS_SIGNING_KEY: {}", e.0)))?,
            (None, None) => kept_ed25519(&dir.join(SIGNING_FILE))?,
        };
        let mut signing = KeySet::new(active);
        if let (None, Some(old)) = (&shared, &legacy) {
            signing = signing.verifying(SigningKey::hs256(old.clone()));
        }
        for path in self.get("VERIFY_KEYS").map(list).into_iter().flatten() {
            let key = SigningKey::from_pem_file(path)
                .map_err(|e| ConfigError(format!("PORTCULLIS_VERIFY_KEYS: {}", e.0)))?;
            signing = signing.verifying(key);
        }
        let sealing = match self.get("SEALING_KEY") {
            Some(encoded) => sealing_key(encoded)
                .map_err(|e| ConfigError(format!("PORTCULLIS_SEALING_KEY: {}", e.0)))?,
            None => kept_sealing_key(&dir.join(SEALING_FILE))?,
        };
        let mut keys = KeyConfig::with_keys(signing, sealing);
        if let Some(secret) = shared.or(legacy) {
            keys.sealing_keys.push(legacy_sealing_key(&secret));
        }
        Ok(keys)
    }
}

/// The Ed25519 key kept in `path`, or a new one written there.
fn kept_ed25519(path: &Path) -> Result<SigningKey, ConfigError> {
    if path.exists() {
        return SigningKey::from_pem_file(path);
    }
    let key = SigningKey::generate_ed25519()?;
    let pem = key
        .private_pem()
        .ok_or_else(|| ConfigError::new("a generated key has a private half"))?;
    let text = String::from_utf8_lossy(pem.expose());
    write_private(path, &text).map_err(|e| {
        ConfigError(format!(
            "keeping a new signing key in {}: {e}",
            path.display()
        ))
    })?;
    tracing::info!(
        kid = key.kid(),
        "generated an Ed25519 signing key and kept it in {} (every instance of a fleet \
         must sign with the same key: give them all PORTCULLIS_SIGNING_KEY)",
        path.display()
    );
    Ok(key)
}

/// The sealing key kept in `path`, or a new one written there.
fn kept_sealing_key(path: &Path) -> Result<Secret, ConfigError> {
    if let Ok(encoded) = std::fs::read_to_string(path) {
        return sealing_key(encoded.trim())
            .map_err(|e| ConfigError(format!("the sealing key {}: {}", path.display(), e.0)));
    }
    let key = Secret::random(32);
    write_private(path, &URL_SAFE_NO_PAD.encode(key.expose())).map_err(|e| {
        ConfigError(format!(
            "keeping a new sealing key in {}: {e}",
            path.display()
        ))
    })?;
    tracing::info!(
        "generated a TOTP sealing key and kept it in {} (every instance of a fleet \
         must share it: give them all PORTCULLIS_SEALING_KEY)",
        path.display()
    );
    Ok(key)
}

/// 32 bytes in base64url.
fn sealing_key(encoded: &str) -> Result<Secret, ConfigError> {
    let key = URL_SAFE_NO_PAD
        .decode(encoded.trim().trim_end_matches('='))
        .map(Secret::from)
        .map_err(|_| ConfigError::new("not base64url"))?;
    if key.len() != 32 {
        return Err(ConfigError::new("a sealing key has 32 bytes"));
    }
    Ok(key)
}
