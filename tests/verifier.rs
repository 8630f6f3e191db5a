//! The verifier for other services: keys from a JWKS URL, fetched again for
//! an unknown `kid` at most once per interval, every claim checked, and the
//! `Identity` extractor and role guard in axum and actix-web.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portcullis::config::KeyConfig;
use portcullis::keys::{KeySet, SigningKey};
use portcullis::store::MemoryStore;
use portcullis::verifier::Verifier;
use portcullis::web::{GuardLayer, Requirement};
use portcullis::{
    Auth, AuthConfig, AuthError, Client, Credentials, Identity, LoginOutcome, ManualClock,
    NewAccount,
};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

fn key(name: &str) -> SigningKey {
    let pem = std::fs::read(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    SigningKey::from_pem(&pem).unwrap()
}

/// A JWKS endpoint on loopback that counts its fetches.
struct Issuer {
    url: String,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn jwks_server(keys: Value) -> Issuer {
    let keys = Arc::new(Mutex::new(keys));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (served, counted) = (keys.clone(), fetches.clone());
    let app = Router::new().route(
        "/.well-known/jwks.json",
        get(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            let body = served.lock().unwrap().clone();
            async move { axum::Json(body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Issuer {
        url: format!("http://{addr}/.well-known/jwks.json"),
        keys,
        fetches,
    }
}

impl Issuer {
    fn origin(&self) -> String {
        self.url
            .trim_end_matches("/.well-known/jwks.json")
            .to_owned()
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// A portcullis service that signs with `keys`, named as `issuer`.
async fn service(keys: KeySet, issuer: &str, clock: &ManualClock) -> Auth {
    let mut key_config = KeyConfig::with_keys(keys, vec![1u8; 32]);
    key_config.issuer = issuer.to_owned();
    let mut config = AuthConfig::with_keys(key_config);
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    Auth::builder(config)
        .store(MemoryStore::new())
        .clock(clock.clone())
        .build()
        .unwrap()
}

async fn token(auth: &Auth, email: &str, role: &str) -> String {
    auth.create_user(NewAccount::new(email, PASSWORD, role))
        .await
        .unwrap();
    auth.login(Credentials::new(email, PASSWORD), Client::default())
        .await
        .ok()
        .and_then(LoginOutcome::session)
        .unwrap()
        .access_token
}

#[tokio::test]
async fn unknown_kids_cause_at_most_one_fetch_per_interval() {
    let clock = ManualClock::new();
    let (old, new) = (key("ed25519.pem"), key("p256.pem"));
    let issuer = jwks_server(KeySet::new(old.clone()).jwks()).await;
    let verifier = Verifier::builder(&issuer.url)
        .refetch_interval(Duration::from_secs(60))
        .clock(clock.clone())
        .build()
        .unwrap();
    let signer = service(KeySet::new(old.clone()), &issuer.origin(), &clock).await;
    let valid = token(&signer, "ada@example.com", "user").await;
    let identity = verifier.verify(&valid).await.unwrap();
    assert_eq!(issuer.fetches(), 1, "the first token fetches the set");
    assert!(identity.user_id.len() > 10);

    // A flood of made-up kids: refused, and the issuer is not asked again.
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&valid)
        .unwrap()
        .claims;
    for i in 0..50 {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(format!("made-up-{i}"));
        header.typ = Some("at+jwt".into());
        let forged =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(b"x")).unwrap();
        assert_eq!(
            verifier.verify(&forged).await.unwrap_err(),
            AuthError::TokenInvalid
        );
    }
    assert_eq!(issuer.fetches(), 1, "no fetch within the interval");

    // The issuer rotates: the new kid is fetched once the interval has passed.
    *issuer.keys.lock().unwrap() = KeySet::new(new.clone()).verifying(old.clone()).jwks();
    let rotated = service(
        KeySet::new(new.clone()).verifying(old),
        &issuer.origin(),
        &clock,
    )
    .await;
    let fresh = token(&rotated, "bob@example.com", "user").await;
    assert_eq!(
        verifier.verify(&fresh).await.unwrap_err(),
        AuthError::TokenInvalid
    );
    assert_eq!(issuer.fetches(), 1);
    clock.advance(Duration::from_secs(61));
    assert!(
        verifier.verify(&fresh).await.is_ok(),
        "the new key, fetched"
    );
    assert_eq!(issuer.fetches(), 2);
    assert!(verifier.verify(&fresh).await.is_ok());
    assert_eq!(issuer.fetches(), 2, "and cached");
}

#[tokio::test]
async fn issuer_audience_expiry_type_and_algorithm_are_checked() {
    let clock = ManualClock::new();
    let signing = key("ed25519.pem");
    let issuer = jwks_server(KeySet::new(signing.clone()).jwks()).await;
    let verifier = |iss: &str, aud: &str| {
        Verifier::builder(&issuer.url)
            .issuer(iss)
            .audience(aud)
            .clock(clock.clone())
            .build()
            .unwrap()
    };
    let signer = service(KeySet::new(signing.clone()), &issuer.origin(), &clock).await;
    let valid = token(&signer, "ada@example.com", "user").await;
    assert!(
        verifier(&issuer.origin(), "portcullis")
            .verify(&valid)
            .await
            .is_ok()
    );
    assert_eq!(
        verifier("https://elsewhere.example", "portcullis")
            .verify(&valid)
            .await
            .unwrap_err(),
        AuthError::TokenInvalid,
        "another issuer"
    );
    assert_eq!(
        verifier(&issuer.origin(), "another-app")
            .verify(&valid)
            .await
            .unwrap_err(),
        AuthError::TokenInvalid,
        "another audience"
    );
    // The public key as an HMAC secret, under the key's kid.
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&valid)
        .unwrap()
        .claims;
    let x = signing.public_jwk().unwrap()["x"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(signing.kid().to_owned());
    header.typ = Some("at+jwt".into());
    let confused =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(x.as_bytes())).unwrap();
    let checked = verifier(&issuer.origin(), "portcullis");
    assert_eq!(
        checked.verify(&confused).await.unwrap_err(),
        AuthError::TokenInvalid
    );
    clock.advance(Duration::from_secs(15 * 60));
    assert_eq!(
        checked.verify(&valid).await.unwrap_err(),
        AuthError::TokenExpired
    );
}

#[tokio::test]
async fn an_unreachable_issuer_fails_closed() {
    let clock = ManualClock::new();
    let signing = key("ed25519.pem");
    let verifier = Verifier::builder("http://127.0.0.1:9/.well-known/jwks.json")
        .clock(clock.clone())
        .build()
        .unwrap();
    let signer = service(KeySet::new(signing), "http://127.0.0.1:9", &clock).await;
    let valid = token(&signer, "ada@example.com", "user").await;
    assert_eq!(
        verifier.verify(&valid).await.unwrap_err(),
        AuthError::Unavailable
    );
    assert!(
        Verifier::builder("http://example.com/jwks.json")
            .build()
            .is_err(),
        "plain http only on loopback"
    );
}

/// Serves `/whoami` and a guarded `/admin` behind the verifier, on axum or actix.
async fn downstream(verifier: &Verifier, actix: bool) -> SocketAddr {
    if actix {
        use actix_web::{App, HttpServer, web};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let verifier = verifier.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(verifier.actix_middleware())
                .route(
                    "/whoami",
                    web::get().to(|me: Identity| async move { me.user_id }),
                )
                .service(
                    web::resource("/admin")
                        .wrap(portcullis::actix::ActixGuard::role("admin"))
                        .to(|| async { "for admins" }),
                )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        return addr;
    }
    let app = Router::new()
        .route("/whoami", get(|me: Identity| async move { me.user_id }))
        .route(
            "/admin",
            get(|| async { "for admins" })
                .route_layer(GuardLayer::new(Requirement::Role("admin".into()))),
        )
        .layer(verifier.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn the_extractor_and_the_role_guard_work_downstream_on_axum_and_actix() {
    let clock = ManualClock::new();
    let signing = key("rsa2048.pem");
    let issuer = jwks_server(KeySet::new(signing.clone()).jwks()).await;
    let signer = service(KeySet::new(signing), &issuer.origin(), &clock).await;
    let admin = token(&signer, "admin@example.com", "admin").await;
    let user = token(&signer, "ada@example.com", "user").await;
    let verifier = Verifier::builder(&issuer.url)
        .clock(clock.clone())
        .build()
        .unwrap();
    for actix in [false, true] {
        let base = format!("http://{}", downstream(&verifier, actix).await);
        let http = reqwest::Client::new();
        let get = |path: &str, token: Option<&str>| {
            let request = http.get(format!("{base}{path}"));
            match token {
                Some(t) => request.bearer_auth(t),
                None => request,
            }
            .send()
        };
        let whoami = get("/whoami", Some(&user)).await.unwrap();
        assert_eq!(whoami.status(), 200, "actix: {actix}");
        assert_eq!(
            get("/whoami", None).await.unwrap().status(),
            401,
            "actix: {actix}"
        );
        assert_eq!(
            get("/admin", Some(&admin)).await.unwrap().status(),
            200,
            "actix: {actix}"
        );
        let refused = get("/admin", Some(&user)).await.unwrap();
        assert_eq!(refused.status(), 403, "actix: {actix}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["code"], json!("FORBIDDEN"));
    }
}
