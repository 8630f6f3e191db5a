//! Reading keys: PEM documents and JWKs, into a private PKCS#8 PEM (or an
//! HMAC secret) and a public JWK, with the algorithm they pin.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{DecodingKey, EncodingKey};
use pkcs8::der::asn1::ObjectIdentifier;
use pkcs8::spki::SubjectPublicKeyInfoRef;
use pkcs8::{PrivateKeyInfo, SecretDocument};
use serde::Deserialize;

use super::SigningAlgorithm;
use crate::config::Secret;
use crate::error::ConfigError;

/// The smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_BYTES: usize = 256;

/// The private half of a key: as PEM (to keep it in a file), and ready to sign.
#[derive(Clone)]
pub(super) struct Private {
    pub(super) pem: Secret,
    pub(super) encoding: EncodingKey,
}

/// What a key is made of: its algorithm, its private half if any, its public JWK.
pub(super) type Parts = (SigningAlgorithm, Option<Private>, Jwk);

/// A key read from a JWK.
pub(super) enum Imported {
    /// An `oct` key: an HMAC secret, and its `kid` if the JWK named one.
    Hmac(Secret, Option<String>),
    /// An asymmetric key, and its `kid` if the JWK named one.
    Asymmetric(Box<Parts>, Option<String>),
}

/// OIDs of the key types (RFC 8410, RFC 5480, RFC 8017).
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A PEM private key (PKCS#8, or PKCS#1 for RSA) or public key (SPKI).
pub(super) fn from_pem(pem: &[u8]) -> Result<Parts, ConfigError> {
    let text = std::str::from_utf8(pem).map_err(|_| not_a_key())?;
    let (label, document) = SecretDocument::from_pem(text.trim()).map_err(|_| not_a_key())?;
    match label {
        "PRIVATE KEY" => private_pkcs8(document.as_bytes()),
        "RSA PRIVATE KEY" => private_key(
            SigningAlgorithm::Rs256,
            EncodingKey::from_rsa_der(document.as_bytes()),
            pem,
        ),
        "PUBLIC KEY" => public_spki(document.as_bytes()),
        _ => Err(not_a_key()),
    }
}

fn not_a_key() -> ConfigError {
    ConfigError::new(
        "not a key: expected a PEM `PRIVATE KEY` (PKCS#8: Ed25519, P-256 or RSA), \
         an `RSA PRIVATE KEY`, or a `PUBLIC KEY`",
    )
}

fn private_pkcs8(der: &[u8]) -> Result<Parts, ConfigError> {
    let info = PrivateKeyInfo::try_from(der).map_err(|_| not_a_key())?;
    let oid = info.algorithm.oid;
    if oid == ED25519 {
        // jsonwebtoken reads version 1 only: written again without the public key.
        let keypair = ed25519::pkcs8::KeypairBytes::try_from(info).map_err(|_| not_a_key())?;
        let pem = ed25519_pem(&keypair.secret_key)?;
        let document = SecretDocument::from_pem(&String::from_utf8_lossy(pem.expose()))
            .map_err(|_| not_a_key())?
            .1;
        return private_key(
            SigningAlgorithm::EdDsa,
            EncodingKey::from_ed_der(document.as_bytes()),
            pem.expose(),
        );
    }
    let pem = pem_of(der, "PRIVATE KEY")?;
    if oid == EC_PUBLIC_KEY {
        if info.algorithm.parameters_oid().ok() != Some(P256) {
            return Err(ConfigError::new(
                "only P-256 elliptic-curve keys are supported (ES256)",
            ));
        }
        return private_key(
            SigningAlgorithm::Es256,
            EncodingKey::from_ec_der(der),
            pem.expose(),
        );
    }
    if oid == RSA {
        return private_key(
            SigningAlgorithm::Rs256,
            EncodingKey::from_rsa_der(info.private_key),
            pem.expose(),
        );
    }
    Err(not_a_key())
}

fn private_key(
    algorithm: SigningAlgorithm,
    encoding: EncodingKey,
    pem: &[u8],
) -> Result<Parts, ConfigError> {
    let jwk = Jwk::from_encoding_key(&encoding, algorithm.jwt()).map_err(|e| unusable(&e))?;
    let private = Private {
        pem: Secret::from(pem),
        encoding,
    };
    checked(algorithm, Some(private), jwk)
}

fn public_spki(der: &[u8]) -> Result<Parts, ConfigError> {
    let info = SubjectPublicKeyInfoRef::try_from(der).map_err(|_| not_a_key())?;
    let key = info.subject_public_key.raw_bytes();
    let oid = info.algorithm.oid;
    let (algorithm, decoding) = if oid == ED25519 {
        (SigningAlgorithm::EdDsa, DecodingKey::from_ed_der(key))
    } else if oid == EC_PUBLIC_KEY && info.algorithm.parameters_oid().ok() == Some(P256) {
        (SigningAlgorithm::Es256, DecodingKey::from_ec_der(key))
    } else if oid == RSA {
        (SigningAlgorithm::Rs256, DecodingKey::from_rsa_der(key))
    } else {
        return Err(not_a_key());
    };
    let jwk = Jwk::from_decoding_key(&decoding, Some(algorithm.jwt())).map_err(|e| unusable(&e))?;
    checked(algorithm, None, jwk)
}

/// A DER document as PEM.
fn pem_of(der: &[u8], label: &'static str) -> Result<Secret, ConfigError> {
    SecretDocument::try_from(der)
        .and_then(|document| document.to_pem(label, pkcs8::LineEnding::LF))
        .map(|pem| Secret::from(pem.as_bytes()))
        .map_err(|e| ConfigError(format!("encoding a key: {e}")))
}

/// The key, if its curve or size fits its algorithm.
fn checked(
    algorithm: SigningAlgorithm,
    private: Option<Private>,
    jwk: Jwk,
) -> Result<Parts, ConfigError> {
    match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec) if ec.curve != EllipticCurve::P256 => Err(
            ConfigError::new("only P-256 elliptic-curve keys are supported (ES256)"),
        ),
        AlgorithmParameters::RSA(rsa)
            if URL_SAFE_NO_PAD.decode(&rsa.n).map_or(0, |n| n.len()) < MIN_RSA_BYTES =>
        {
            Err(ConfigError::new("RSA keys need 2048 bits or more"))
        }
        _ => Ok((algorithm, private, jwk)),
    }
}

fn unusable(err: &jsonwebtoken::errors::Error) -> ConfigError {
    ConfigError(format!("the key cannot be used: {err}"))
}

/// The PKCS#8 PEM of an Ed25519 key with this 32-byte seed (version 1,
/// without the public key: the form OpenSSL writes and jsonwebtoken reads).
pub(super) fn ed25519_pem(seed: &[u8]) -> Result<Secret, ConfigError> {
    use ed25519::pkcs8::EncodePrivateKey;
    let secret_key: [u8; 32] = seed
        .try_into()
        .map_err(|_| ConfigError::new("an Ed25519 private key has 32 bytes"))?;
    let keypair = ed25519::pkcs8::KeypairBytes {
        secret_key,
        public_key: None,
    };
    let pem = keypair
        .to_pkcs8_pem(pkcs8::LineEnding::LF)
        .map_err(|e| ConfigError(format!("encoding an Ed25519 key: {e}")))?;
    Ok(Secret::from(pem.as_bytes()))
}

/// The members of a JWK this crate reads (RFC 7518 §6).
#[derive(Deserialize)]
struct JwkMembers {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    d: Option<String>,
    #[serde(default)]
    k: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    p: Option<String>,
    #[serde(default)]
    q: Option<String>,
}

/// A JWK, private or public.
pub(super) fn from_jwk(json: &str) -> Result<Imported, ConfigError> {
    let members: JwkMembers =
        serde_json::from_str(json).map_err(|e| ConfigError(format!("not a JWK: {e}")))?;
    if members.kty == "oct" {
        return Ok(Imported::Hmac(
            Secret::from(member("k", &members.k)?),
            members.kid,
        ));
    }
    let public: Jwk =
        serde_json::from_str(json).map_err(|e| ConfigError(format!("not a public JWK: {e}")))?;
    let algorithm = match (members.kty.as_str(), members.crv.as_deref()) {
        ("OKP", Some("Ed25519")) => SigningAlgorithm::EdDsa,
        ("EC", Some("P-256")) => SigningAlgorithm::Es256,
        ("RSA", _) => SigningAlgorithm::Rs256,
        (kty, crv) => {
            return Err(ConfigError(format!(
                "unsupported JWK: kty {kty:?} crv {crv:?} (Ed25519, P-256, RSA or oct)"
            )));
        }
    };
    let parts = match &members.d {
        None => checked(algorithm, None, public)?,
        Some(_) => from_pem(private_pem_of(algorithm, &members)?.expose())?,
    };
    Ok(Imported::Asymmetric(Box::new(parts), members.kid))
}

/// The PKCS#8 PEM of a private JWK.
fn private_pem_of(
    algorithm: SigningAlgorithm,
    members: &JwkMembers,
) -> Result<Secret, ConfigError> {
    use pkcs8::EncodePrivateKey;
    let d = Secret::from(member("d", &members.d)?);
    let encoded = match algorithm {
        SigningAlgorithm::EdDsa => return ed25519_pem(d.expose()),
        SigningAlgorithm::Es256 => p256::SecretKey::from_slice(d.expose())
            .map_err(|_| ConfigError::new("the JWK's \"d\" is no P-256 key"))?
            .to_pkcs8_pem(pkcs8::LineEnding::LF),
        SigningAlgorithm::Rs256 => {
            let number = |name: &str, value: &Option<String>| {
                member(name, value).map(|b| rsa::BigUint::from_bytes_be(&b))
            };
            rsa::RsaPrivateKey::from_components(
                number("n", &members.n)?,
                number("e", &members.e)?,
                number("d", &members.d)?,
                vec![number("p", &members.p)?, number("q", &members.q)?],
            )
            .map_err(|e| ConfigError(format!("the JWK is no RSA key: {e}")))?
            .to_pkcs8_pem(pkcs8::LineEnding::LF)
        }
        SigningAlgorithm::Hs256 => return Err(ConfigError::new("an HMAC JWK is `oct`")),
    };
    encoded
        .map(|pem| Secret::from(pem.as_bytes()))
        .map_err(|e| ConfigError(format!("encoding the JWK's private key: {e}")))
}

/// A member of a JWK, base64url-decoded.
fn member(name: &str, value: &Option<String>) -> Result<Vec<u8>, ConfigError> {
    let value = value
        .as_deref()
        .ok_or_else(|| ConfigError(format!("the JWK has no {name:?}")))?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| ConfigError(format!("the JWK's {name:?} is not base64url")))
}
