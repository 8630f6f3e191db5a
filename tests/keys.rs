//! Signing keys: every algorithm, keys from PEM and JWK, pinned algorithms,
//! rotation without logouts, a JWKS of public keys only, and sealing keys
//! apart from signing keys.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portcullis::config::KeyConfig;
use portcullis::keys::{KeySet, SigningAlgorithm, SigningKey};
use portcullis::store::{MemoryStore, SecondFactorStore};
use portcullis::{
    Auth, AuthConfig, AuthError, Client, Clock, Credentials, LoginOutcome, ManualClock, NewAccount,
    Secret,
};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn pem_key(name: &str) -> SigningKey {
    SigningKey::from_pem(&fixture(name)).unwrap()
}

fn config(keys: KeySet, sealing: &[u8; 32]) -> AuthConfig {
    let mut config = AuthConfig::with_keys(KeyConfig::with_keys(keys, sealing.to_vec()));
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    config
}

fn auth(config: AuthConfig, store: &MemoryStore, clock: &ManualClock) -> Auth {
    Auth::builder(config)
        .store(store.clone())
        .clock(clock.clone())
        .build()
        .unwrap()
}

async fn access_token(auth: &Auth, email: &str) -> String {
    if auth.find_user_by_email(email).await.unwrap().is_none() {
        auth.create_user(NewAccount::new(email, PASSWORD, "user"))
            .await
            .unwrap();
    }
    auth.login(Credentials::new(email, PASSWORD), Client::default())
        .await
        .ok()
        .and_then(LoginOutcome::session)
        .expect("a session")
        .access_token
}

#[test]
fn keys_load_from_pem_and_jwk_with_their_algorithm() {
    let cases = [
        ("ed25519.pem", SigningAlgorithm::EdDsa, true),
        ("ed25519.pub.pem", SigningAlgorithm::EdDsa, false),
        ("p256.pem", SigningAlgorithm::Es256, true),
        ("p256.pub.pem", SigningAlgorithm::Es256, false),
        ("rsa2048.pem", SigningAlgorithm::Rs256, true),
        ("rsa2048.pkcs1.pem", SigningAlgorithm::Rs256, true),
        ("rsa2048.pub.pem", SigningAlgorithm::Rs256, false),
    ];
    for (name, algorithm, signs) in cases {
        let key = pem_key(name);
        assert_eq!(key.algorithm(), algorithm, "{name}");
        assert_eq!(key.can_sign(), signs, "{name}");
        let jwk = key.public_jwk().expect("a public JWK");
        assert_eq!(jwk["kid"], key.kid(), "{name}");
        assert_eq!(jwk["alg"], algorithm.as_str(), "{name}");
        assert!(jwk.get("d").is_none(), "{name}: no private part in the JWK");
    }
    // The private and public halves of one key have one kid (its thumbprint).
    for base in ["ed25519", "p256", "rsa2048"] {
        let private = pem_key(&format!("{base}.pem"));
        let public = pem_key(&format!("{base}.pub.pem"));
        assert_eq!(private.kid(), public.kid(), "{base}");
    }
    assert_eq!(
        pem_key("rsa2048.pem").kid(),
        pem_key("rsa2048.pkcs1.pem").kid()
    );
    // JWKs written by another library load as the same keys.
    for (jwk, pem, kid) in [
        ("ed25519.jwk", "ed25519.pub.pem", "ed-jwk"),
        ("p256.jwk", "p256.pub.pem", "ec-jwk"),
        ("rsa2048.jwk", "rsa2048.pub.pem", "rsa-jwk"),
    ] {
        let key = SigningKey::from_jwk(&String::from_utf8(fixture(jwk)).unwrap()).unwrap();
        assert!(key.can_sign(), "{jwk} is private");
        assert_eq!(key.kid(), kid);
        let mut public = key.public_jwk().unwrap();
        let mut expected = pem_key(pem).public_jwk().unwrap();
        public["kid"] = json!(null);
        expected["kid"] = json!(null);
        assert_eq!(public, expected, "{jwk} holds the key of {pem}");
    }
    let oct =
        SigningKey::from_jwk(r#"{"kty":"oct","k":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}"#)
            .unwrap();
    assert_eq!(oct.algorithm(), SigningAlgorithm::Hs256);
    assert!(
        oct.public_jwk().is_none(),
        "an HMAC secret is never published"
    );
}

#[test]
fn weak_or_unsupported_keys_are_refused_with_a_clear_error() {
    let p384 = SigningKey::from_pem(&fixture("p384.pem")).unwrap_err();
    assert!(p384.to_string().contains("P-256"), "{p384}");
    let rsa = SigningKey::from_pem(&fixture("rsa1024.pem")).unwrap_err();
    assert!(rsa.to_string().contains("2048"), "{rsa}");
    let junk =
        SigningKey::from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .unwrap_err();
    assert!(junk.to_string().contains("not a key"), "{junk}");
    let short = Auth::builder(AuthConfig::new(b"only 31 bytes of a secret......".to_vec()))
        .store(MemoryStore::new())
        .build()
        .err()
        .expect("a weak secret is refused");
    assert!(
        short.to_string().contains("weak") && short.to_string().contains("32 bytes"),
        "{short}"
    );
    let public_only = Auth::builder(config(KeySet::new(pem_key("ed25519.pub.pem")), &[1; 32]))
        .store(MemoryStore::new())
        .build()
        .err()
        .expect("a public key cannot sign");
    assert!(
        public_only.to_string().contains("cannot sign"),
        "{public_only}"
    );
}

#[tokio::test]
async fn tokens_of_every_algorithm_carry_their_kid_and_verify() {
    let clock = ManualClock::new();
    for name in ["ed25519.pem", "p256.pem", "rsa2048.pem"] {
        let key = pem_key(name);
        let auth = auth(
            config(KeySet::new(key.clone()), &[1; 32]),
            &MemoryStore::new(),
            &clock,
        );
        let token = access_token(&auth, "ada@example.com").await;
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(key.kid()), "{name}");
        assert_eq!(
            header.alg,
            key.algorithm().as_str().parse().unwrap(),
            "{name}"
        );
        assert!(auth.authenticate(&token).is_ok(), "{name}");
    }
    let hs256 = auth(
        AuthConfig::new(Secret::random(32)),
        &MemoryStore::new(),
        &clock,
    );
    let token = access_token(&hs256, "ada@example.com").await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    assert!(header.kid.is_some_and(|kid| kid.starts_with("hs256-")));
}

#[tokio::test]
async fn unknown_kids_other_algorithms_and_public_keys_as_hmac_secrets_are_refused() {
    let clock = ManualClock::new();
    let key = pem_key("ed25519.pem");
    let legacy = Secret::from("a legacy HS256 secret of 32 bytes!");
    let keys = KeySet::new(key.clone()).verifying(SigningKey::hs256(legacy.clone()));
    let auth = auth(config(keys, &[1; 32]), &MemoryStore::new(), &clock);
    let genuine = access_token(&auth, "ada@example.com").await;
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(&genuine)
        .unwrap()
        .claims;
    let forge = |alg: Algorithm, kid: Option<&str>, secret: &EncodingKey| {
        let mut header = Header::new(alg);
        header.typ = Some("at+jwt".into());
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims, secret).unwrap()
    };
    let other = EncodingKey::from_ed_der(&{
        let pem = fixture("ed25519-next.pem");
        let text = String::from_utf8(pem).unwrap();
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        base64_decode(&body)
    });
    let jwk = key.public_jwk().unwrap();
    let x = base64_url_decode(jwk["x"].as_str().unwrap());
    let refused = [
        (
            "an unknown kid",
            forge(Algorithm::EdDSA, Some("nobody"), &other),
        ),
        (
            "another key under the kid",
            forge(Algorithm::EdDSA, Some(key.kid()), &other),
        ),
        (
            "HS256 keyed with the public key",
            forge(
                Algorithm::HS256,
                Some(key.kid()),
                &EncodingKey::from_secret(&x),
            ),
        ),
        (
            "HS256 keyed with the public PEM",
            forge(
                Algorithm::HS256,
                Some(key.kid()),
                &EncodingKey::from_secret(&fixture("ed25519.pub.pem")),
            ),
        ),
        ("no kid, not HS256", forge(Algorithm::EdDSA, None, &other)),
    ];
    for (what, token) in refused {
        assert_eq!(
            auth.authenticate(&token).unwrap_err(),
            AuthError::TokenInvalid,
            "{what}"
        );
    }
    let unsigned = format!(
        "{}.{}.",
        base64_url_encode(br#"{"alg":"none","typ":"at+jwt"}"#),
        genuine.split('.').nth(1).unwrap()
    );
    assert_eq!(
        auth.authenticate(&unsigned).unwrap_err(),
        AuthError::TokenInvalid
    );
    let old_style = forge(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(legacy.expose()),
    );
    assert!(
        auth.authenticate(&old_style).is_ok(),
        "a token without kid from before key sets passes an HS256 key"
    );
}

#[tokio::test]
async fn rotation_keeps_every_session_and_retires_the_old_key_after_the_token_lifetime() {
    let (store, clock) = (MemoryStore::new(), ManualClock::new());
    let (old, new) = (pem_key("ed25519.pem"), pem_key("p256.pem"));
    // 1. The new key is added as verify-only everywhere.
    let before = auth(
        config(KeySet::new(old.clone()).verifying(new.clone()), &[1; 32]),
        &store,
        &clock,
    );
    let old_token = access_token(&before, "ada@example.com").await;
    // 2. It is promoted; the old key only verifies.
    let promoted = auth(
        config(KeySet::new(new.clone()).verifying(old.clone()), &[1; 32]),
        &store,
        &clock,
    );
    let new_token = access_token(&promoted, "ada@example.com").await;
    assert_eq!(
        jsonwebtoken::decode_header(&new_token)
            .unwrap()
            .kid
            .as_deref(),
        Some(new.kid()),
        "new tokens use the new key"
    );
    for (instance, name) in [
        (&before, "an instance not yet promoted"),
        (&promoted, "a promoted one"),
    ] {
        assert!(
            instance.authenticate(&old_token).is_ok(),
            "{name} takes the old token"
        );
        assert!(
            instance.authenticate(&new_token).is_ok(),
            "{name} takes the new token"
        );
    }
    // 3. After the access-token lifetime the old key goes: nothing it signed is alive.
    clock.advance(Duration::from_secs(15 * 60));
    assert_eq!(
        promoted.authenticate(&old_token).unwrap_err(),
        AuthError::TokenExpired
    );
    let retired = auth(config(KeySet::new(new.clone()), &[1; 32]), &store, &clock);
    let fresh = access_token(&retired, "ada@example.com").await;
    assert!(retired.authenticate(&fresh).is_ok());
    assert!(retired.authenticate(&old_token).is_err());
}

#[test]
fn the_jwks_holds_public_keys_only() {
    let keys = KeySet::new(pem_key("ed25519.pem"))
        .verifying(pem_key("p256.pem"))
        .verifying(pem_key("rsa2048.pub.pem"))
        .verifying(SigningKey::hs256(Secret::random(32)));
    let jwks = keys.jwks();
    let published = jwks["keys"].as_array().unwrap();
    assert_eq!(published.len(), 3, "every asymmetric key, no HMAC secret");
    for jwk in published {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(jwk.get(private).is_none(), "{jwk}");
        }
        assert_eq!(jwk["use"], "sig");
    }
}

#[tokio::test]
async fn sealing_keys_rotate_on_login_and_signing_keys_never_touch_mfa() {
    let (store, clock) = (MemoryStore::new(), ManualClock::new());
    let first = auth(
        config(KeySet::new(pem_key("ed25519.pem")), &[1; 32]),
        &store,
        &clock,
    );
    let user = first
        .create_user(NewAccount::new("ada@example.com", PASSWORD, "user"))
        .await
        .unwrap();
    let identity = first
        .authenticate(&access_token(&first, "ada@example.com").await)
        .unwrap();
    let enrolment = first
        .begin_mfa_enrolment(&identity, Some(PASSWORD), Client::default())
        .await
        .unwrap();
    let secret = totp_secret(&enrolment.secret);
    first
        .confirm_mfa_enrolment(&identity, &code(&secret, &clock))
        .await
        .unwrap();
    let sealed_before = store.totp(&user.id).await.unwrap().secret.unwrap();

    // A new signing key and a new sealing key first, the old sealing key after it.
    clock.advance(Duration::from_secs(30));
    let rotated = auth(
        {
            let mut c = config(KeySet::new(pem_key("rsa2048.pem")), &[2; 32]);
            c.keys.sealing_keys.push(Secret::from([1u8; 32]));
            c
        },
        &store,
        &clock,
    );
    mfa_login(&rotated, &secret, &clock).await;
    let sealed_after = store.totp(&user.id).await.unwrap().secret.unwrap();
    assert_ne!(
        sealed_before, sealed_after,
        "the login sealed the secret again"
    );
    assert_ne!(
        sealed_before.split('.').nth(1),
        sealed_after.split('.').nth(1),
        "under another key"
    );

    // The old sealing key can go now.
    clock.advance(Duration::from_secs(30));
    let retired = auth(
        config(KeySet::new(pem_key("p256.pem")), &[2; 32]),
        &store,
        &clock,
    );
    mfa_login(&retired, &secret, &clock).await;
}

async fn mfa_login(auth: &Auth, secret: &[u8], clock: &ManualClock) {
    let outcome = auth
        .login(
            Credentials::new("ada@example.com", PASSWORD),
            Client::default(),
        )
        .await
        .unwrap();
    let LoginOutcome::MfaRequired { mfa_token } = outcome else {
        panic!("MFA is on");
    };
    auth.complete_mfa_login(&mfa_token, &code(secret, clock), Client::default())
        .await
        .expect("the code opens with the configured sealing keys");
}

#[test]
fn no_key_material_is_printed() {
    let keys = KeySet::new(pem_key("ed25519.pem")).verifying(SigningKey::hs256(
        b"an hmac secret that must never print".to_vec(),
    ));
    let config = config(keys, &[7; 32]);
    let shown = format!("{config:?}");
    let pem_body: String = String::from_utf8(fixture("ed25519.pem"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!shown.contains(&pem_body), "{shown}");
    assert!(!shown.contains("an hmac secret"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
    let provider = portcullis::oauth::ProviderConfig::new(
        "google",
        "client-id",
        "the client secret",
        "https://api.example.com/api/auth/google/callback",
    );
    assert!(!format!("{provider:?}").contains("the client secret"));
}

/// The TOTP code at the clock's time, computed with RFC 6238 by hand here
/// (HMAC-SHA1, 6 digits, 30-second steps).
fn code(secret: &[u8], clock: &ManualClock) -> String {
    use hmac::{Hmac, Mac};
    let step = u64::try_from(clock.now().unix_timestamp()).unwrap() / 30;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", value % 1_000_000)
}

fn totp_secret(base32: &str) -> Vec<u8> {
    base32::decode(base32::Alphabet::Rfc4648 { padding: false }, base32).unwrap()
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_url_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

fn base64_url_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
