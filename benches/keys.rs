//! What verifying one access token costs, by signing algorithm: the service's
//! own check (`Auth::authenticate`: header, `kid` lookup, signature, claims).

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::config::KeyConfig;
use portcullis::keys::{KeySet, SigningKey};
use portcullis::store::MemoryStore;
use portcullis::{Auth, AuthConfig, Client, Credentials, LoginOutcome, NewAccount, Secret};

fn key(name: &str) -> SigningKey {
    let pem = std::fs::read(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    SigningKey::from_pem(&pem).unwrap()
}

fn token(rt: &tokio::runtime::Runtime, key: SigningKey) -> (Auth, String) {
    let config = AuthConfig::with_keys(KeyConfig::with_keys(KeySet::new(key), Secret::random(32)));
    let auth = Auth::builder(config)
        .store(MemoryStore::new())
        .build()
        .unwrap();
    let token = rt.block_on(async {
        auth.create_user(NewAccount::new(
            "bench@example.com",
            "bench password",
            "user",
        ))
        .await
        .unwrap();
        auth.login(
            Credentials::new("bench@example.com", "bench password"),
            Client::default(),
        )
        .await
        .ok()
        .and_then(LoginOutcome::session)
        .unwrap()
        .access_token
    });
    (auth, token)
}

fn verification(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("verify one access token");
    for (name, key) in [
        ("EdDSA (Ed25519)", key("ed25519.pem")),
        ("ES256 (P-256)", key("p256.pem")),
        ("RS256 (2048 bits)", key("rsa2048.pem")),
        ("HS256", SigningKey::hs256(Secret::random(32))),
    ] {
        let (auth, token) = token(&rt, key);
        group.bench_function(name, |b| b.iter(|| auth.authenticate(&token).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
