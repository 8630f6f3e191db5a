//! The OpenID Connect provider's unit tests: ID-token algorithms and the key cache.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::*;

/// A provider whose key set is never fetched: these tokens must fail first.
fn unreachable_provider() -> (OidcProvider, Discovered) {
    let config = ProviderConfig::new("t", "client", "secret", "http://127.0.0.1:9/cb");
    let provider = OidcProvider::new(config.clone(), "http://127.0.0.1:9").unwrap();
    let flow = CodeFlow::new(
        &config,
        ["http://127.0.0.1:9/authorize", "http://127.0.0.1:9/token"],
        AuthType::BasicAuth,
        provider.http.clone(),
    )
    .unwrap();
    let discovered = Discovered {
        flow,
        jwks_uri: "http://127.0.0.1:9/jwks".into(),
        userinfo_endpoint: None,
        algorithms: vec![Algorithm::RS256],
    };
    (provider, discovered)
}

#[tokio::test]
async fn hmac_and_unsigned_id_tokens_are_refused_before_any_key_is_looked_up() {
    let (provider, discovered) = unreachable_provider();
    let claims = json!({
        "iss": "http://127.0.0.1:9", "aud": "client", "sub": "x",
        "exp": 4_000_000_000_i64, "nonce": "n",
    });
    // Signed with the client secret, as an attacker who knows it could.
    let hmac = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.";
    let now = OffsetDateTime::now_utc();
    for token in [hmac.as_str(), unsigned] {
        let err = provider
            .verify(&discovered, token, "n", now)
            .await
            .unwrap_err();
        assert!(matches!(err, OAuthError::InvalidIdToken(_)), "{err}");
    }
}

#[tokio::test]
async fn a_new_key_is_fetched_at_most_once_a_minute_and_a_key_set_kept_a_day() {
    let (provider, _) = unreachable_provider();
    let fetches = AtomicUsize::new(0);
    let serving = |kids: &'static [&'static str]| {
        let fetches = &fetches;
        async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            let keys: Vec<Value> = kids
                .iter()
                .map(|kid| json!({ "kty": "oct", "k": "c2VjcmV0", "kid": kid }))
                .collect();
            Ok(serde_json::from_value::<JwkSet>(json!({ "keys": keys })).unwrap())
        }
    };
    let start = Instant::now();
    let at = |secs: u64| start + Duration::from_secs(secs);
    let fetched = || fetches.load(Ordering::SeqCst);

    assert!(
        provider
            .key_at(Some("a"), at(0), serving(&["a"]))
            .await
            .is_ok()
    );
    assert!(
        provider
            .key_at(Some("a"), at(30), serving(&["a"]))
            .await
            .is_ok()
    );
    assert_eq!(fetched(), 1, "a known key comes from the cache");

    // A key the set lacks: refused without a fetch within the minute…
    let err = provider
        .key_at(Some("b"), at(30), serving(&["a", "b"]))
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidIdToken(_)), "{err}");
    assert_eq!(fetched(), 1);
    // …and fetched after it (the provider rotated its keys).
    assert!(
        provider
            .key_at(Some("b"), at(61), serving(&["a", "b"]))
            .await
            .is_ok()
    );
    assert_eq!(fetched(), 2);

    // A day on, even a known key needs a fresh set: "a" was withdrawn.
    let day = MAX_AGE.as_secs();
    assert!(
        provider
            .key_at(Some("a"), at(61 + day), serving(&["b"]))
            .await
            .is_err()
    );
    assert_eq!(fetched(), 3);
}

#[tokio::test]
async fn after_a_failed_fetch_logins_fail_fast_instead_of_asking_again() {
    // A provider that accepts connections and closes them unanswered.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let (_, mut discovered) = unreachable_provider();
    discovered.jwks_uri = format!("{base}/jwks");
    let config = ProviderConfig::new("t", "client", "secret", "http://127.0.0.1:9/cb");
    let provider = OidcProvider::new(config, base).unwrap();

    assert!(provider.discovered().await.is_err());
    assert!(provider.key(&discovered, Some("k")).await.is_err());
    assert_eq!(connections.load(Ordering::SeqCst), 2, "one try each");
    for _ in 0..3 {
        let err = provider.discovered().await.err().unwrap();
        assert!(matches!(err, OAuthError::Unreachable(_)), "{err}");
        let err = provider.key(&discovered, Some("k")).await.unwrap_err();
        assert!(matches!(err, OAuthError::Unreachable(_)), "{err}");
    }
    assert_eq!(connections.load(Ordering::SeqCst), 2, "no new tries yet");
}

#[test]
fn provider_endpoints_must_be_https_off_loopback() {
    let config = ProviderConfig::new("t", "client", "secret", "https://app.example/cb");
    assert!(OidcProvider::new(config.clone(), "http://sso.example.com").is_err());
    assert!(OidcProvider::new(config.clone(), "https://sso.example.com").is_ok());
    assert!(OidcProvider::new(config, "http://127.0.0.1:8080").is_ok());
}

#[test]
fn email_verified_may_be_a_string() {
    assert!(verified(Some(&json!(true))));
    assert!(verified(Some(&json!("true"))));
    assert!(!verified(Some(&json!("false"))));
    assert!(!verified(None));
}
