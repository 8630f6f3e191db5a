//! Second factors: TOTP codes (RFC 6238, computed by `totp-rs`), TOTP
//! secrets sealed at rest, and recovery codes.
//!
//! **Sealing.** A TOTP secret is the one secret the server must be able to
//! read back, so it cannot be hashed; it is encrypted with
//! XChaCha20-Poly1305 under a key from `KeyConfig::sealing_keys`, with
//! the user's id as associated data (a sealed secret copied to another
//! account does not open). A read-only leak of the database without the key
//! yields nothing usable. A sealed value reads `v1.<key id>.<base64>`, where
//! the key id is the start of the key's SHA-256.
//!
//! **Recovery codes** carry 80 random bits each (16 base32 characters,
//! shown as `abcd-efgh-ijkm-npqr`) and are stored as SHA-256 digests, like
//! every other secret here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use crate::error::AuthError;
use crate::token::opaque;

/// TOTP parameters every authenticator app understands.
const DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;
/// Bytes of a new TOTP secret (160 bits, RFC 4226's recommendation).
const SECRET_BYTES: usize = 20;
/// Characters of a recovery code (5 bits each: 80 bits).
const RECOVERY_CODE_CHARS: usize = 16;
/// The alphabet of recovery codes: lowercase base32 without look-alikes' confusion.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Seals and opens TOTP secrets with the configured keys.
#[derive(Clone)]
pub(crate) struct SecretBox {
    /// (key id, cipher); the first seals.
    keys: Vec<(String, XChaCha20Poly1305)>,
}

impl SecretBox {
    /// A box for these 32-byte keys; the first one seals.
    pub(crate) fn new(keys: &[[u8; 32]]) -> Self {
        Self {
            keys: keys
                .iter()
                .map(|key| (key_id(key), XChaCha20Poly1305::new(key.into())))
                .collect(),
        }
    }

    /// Encrypts `secret`, bound to `owner` (the user id).
    pub(crate) fn seal(&self, secret: &[u8], owner: &str) -> Result<String, AuthError> {
        let (id, cipher) = self.keys.first().ok_or_else(|| {
            tracing::error!("no MFA sealing key configured");
            AuthError::Unavailable
        })?;
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| AuthError::Unavailable)?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(format!("v1.{id}.{}", STANDARD.encode(bytes)))
    }

    /// Whether a sealed value was sealed under another key than the first
    /// (a key being rotated out): seal it again.
    pub(crate) fn is_stale(&self, sealed: &str) -> bool {
        let id = sealed.split('.').nth(1);
        self.keys
            .first()
            .is_some_and(|(first, _)| Some(first.as_str()) != id)
    }

    /// Decrypts a sealed secret of `owner`; a value sealed for another user,
    /// with an unknown key, or tampered with does not open. Logged only at
    /// debug level: sealed values may come from the client (OAuth flow
    /// cookies), so the caller decides whether a failure is alarming.
    pub(crate) fn open(&self, sealed: &str, owner: &str) -> Result<Vec<u8>, AuthError> {
        let fail = |why: &str| {
            tracing::debug!(owner, why, "a sealed value does not open");
            AuthError::Unavailable
        };
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(fail("not a v1 sealed value"));
        };
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(key_id, _)| key_id == id)
            .ok_or_else(|| fail("sealed with a key no longer configured"))?;
        let bytes = STANDARD.decode(body).map_err(|_| fail("not base64"))?;
        let (nonce, sealed) = bytes
            .split_first_chunk::<24>()
            .ok_or_else(|| fail("too short"))?;
        cipher
            .decrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: sealed,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| fail("authentication failed"))
    }
}

fn key_id(key: &[u8; 32]) -> String {
    opaque::hex(&Sha256::digest(key)[..4])
}

/// A new random TOTP secret.
pub(crate) fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The TOTP generator for a secret, labelled `issuer:account` for apps.
pub(crate) fn totp(secret: Vec<u8>, issuer: &str, account: &str) -> Result<TOTP, AuthError> {
    // A ':' would break the `issuer:account` label apps show; codes do not
    // depend on the label.
    let account = account.replace(':', "_");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        secret,
        Some(issuer.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| {
        tracing::error!(error = ?e, "cannot build a TOTP generator");
        AuthError::Unavailable
    })
}

/// A PNG QR code of the TOTP's `otpauth://` URL, base64-encoded; none
/// without the `qr` feature (apps draw their own). One function for both,
/// so that a mutation run, which builds every feature, mutates the body it
/// builds.
pub(crate) fn qr_png_base64(totp: &TOTP) -> Result<Option<String>, AuthError> {
    #[cfg(feature = "qr")]
    {
        totp.get_qr_base64().map(Some).map_err(|e| {
            tracing::error!(error = %e, "drawing the QR code failed");
            AuthError::Unavailable
        })
    }
    #[cfg(not(feature = "qr"))]
    {
        let _ = totp;
        Ok(None)
    }
}

/// The time step whose code `code` is, among the steps one before, at and
/// one after `unix_time`; compared in constant time.
pub(crate) fn matching_step(totp: &TOTP, code: &str, unix_time: i64) -> Option<i64> {
    let code = code.trim();
    let now = u64::try_from(unix_time).ok()?;
    let current = now / STEP_SECONDS;
    let mut found = None;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = totp.generate(step * STEP_SECONDS);
        // Check every candidate whatever matched, so timing says nothing.
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = i64::try_from(step).ok();
        }
    }
    found
}

/// `count` new recovery codes, formatted for people.
pub(crate) fn recovery_codes(count: usize) -> Vec<String> {
    (0..count)
        .map(|_| {
            let mut bytes = [0u8; RECOVERY_CODE_CHARS];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| char::from(RECOVERY_ALPHABET[usize::from(b & 31)]))
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// The digest a recovery code is stored as: case, spaces and dashes do not matter.
pub(crate) fn recovery_code_digest(code: &str) -> String {
    let canonical: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    opaque::digest(&canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_for_their_owner_and_keys() {
        let old = SecretBox::new(&[[1; 32]]);
        let sealed = old.seal(b"totp secret", "user-1").unwrap_or_default();
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("totp secret"));
        assert_eq!(
            old.open(&sealed, "user-1").ok().as_deref(),
            Some(&b"totp secret"[..])
        );
        assert!(old.open(&sealed, "user-2").is_err(), "bound to the user");
        let rotated = SecretBox::new(&[[2; 32], [1; 32]]);
        assert!(
            rotated.open(&sealed, "user-1").is_ok(),
            "old keys still open"
        );
        assert!(
            SecretBox::new(&[[2; 32]]).open(&sealed, "user-1").is_err(),
            "a dropped key does not"
        );
        let resealed = rotated.seal(b"x", "user-1").unwrap_or_default();
        assert!(
            old.open(&resealed, "user-1").is_err(),
            "the first key seals"
        );
    }

    #[test]
    fn only_values_sealed_under_an_older_key_are_stale() {
        let old = SecretBox::new(&[[1; 32]]);
        let rotated = SecretBox::new(&[[2; 32], [1; 32]]);
        let sealed_before = old.seal(b"totp secret", "user-1").unwrap_or_default();
        let sealed_after = rotated.seal(b"totp secret", "user-1").unwrap_or_default();
        assert!(!old.is_stale(&sealed_before));
        assert!(rotated.is_stale(&sealed_before), "sealed again at use");
        assert!(!rotated.is_stale(&sealed_after));
    }

    #[test]
    fn damaged_sealed_values_are_refused_without_a_panic() {
        let secrets = SecretBox::new(&[[1; 32]]);
        let id = key_id(&[1; 32]);
        // Sealed values come back in OAuth flow cookies: any bytes at all.
        for length in [0, 1, 23, 24, 39, 40, 64] {
            let sealed = format!("v1.{id}.{}", STANDARD.encode(vec![0u8; length]));
            assert!(secrets.open(&sealed, "user-1").is_err(), "{length} bytes");
        }
        for sealed in [
            "",
            "v1",
            "v1.",
            "v2.{id}.AAAA",
            "v1.unknown.AAAA",
            "v1.{id}.not base64!",
        ] {
            let sealed = sealed.replace("{id}", &id);
            assert!(secrets.open(&sealed, "user-1").is_err(), "{sealed}");
        }
    }

    #[test]
    fn recovery_codes_are_long_distinct_and_forgiving_to_type() {
        let codes = recovery_codes(10);
        assert_eq!(codes.len(), 10);
        assert_eq!(
            codes.iter().collect::<std::collections::HashSet<_>>().len(),
            10
        );
        assert_eq!(codes[0].len(), 19);
        assert_eq!(
            recovery_code_digest(&codes[0]),
            recovery_code_digest(&format!(" {} ", codes[0].to_uppercase().replace('-', " ")))
        );
    }
}
