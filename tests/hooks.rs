//! The app's hooks: told of every new account, asked before every sign-in
//! (and obeyed), and their claims carried in access tokens, bounded and
//! never overriding the service's own.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use portcullis::hooks::Hooks;
use portcullis::store::{MemoryStore, User};
use portcullis::{Auth, AuthConfig, AuthError, Client, Credentials, LoginOutcome, NewAccount};
use serde_json::{Map, Value, json};

const PASSWORD: &str = "correct horse battery";

#[derive(Clone, Default)]
struct Recorder {
    created: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Hooks for Recorder {
    async fn account_created(&self, user: &User) {
        self.created.lock().unwrap().push(user.email.clone());
    }

    async fn before_login(&self, user: &User, methods: &[String]) -> Result<(), String> {
        if user.email.starts_with("suspended") {
            return Err(format!("suspended tenant ({})", methods.join(",")));
        }
        Ok(())
    }

    async fn custom_claims(&self, user: &User) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("tenant".into(), json!("acme"));
        claims.insert("role".into(), json!("superuser"));
        if user.email.starts_with("big") {
            claims.insert("blob".into(), json!("x".repeat(4096)));
        }
        claims
    }
}

fn service(hooks: Recorder) -> Auth {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    Auth::builder(config)
        .store(MemoryStore::new())
        .hooks(hooks)
        .build()
        .unwrap()
}

async fn sign_in(auth: &Auth, email: &str) -> Result<LoginOutcome, AuthError> {
    auth.login(Credentials::new(email, PASSWORD), Client::default())
        .await
}

#[tokio::test]
async fn hooks_hear_of_accounts_refuse_sign_ins_and_add_claims() {
    let hooks = Recorder::default();
    let auth = service(hooks.clone());
    for email in [
        "ada@example.com",
        "suspended@example.com",
        "big@example.com",
    ] {
        auth.create_user(NewAccount::new(email, PASSWORD, "user"))
            .await
            .unwrap();
    }
    auth.register(
        NewAccount::new("visitor@example.com", PASSWORD, "user"),
        Client::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        *hooks.created.lock().unwrap(),
        [
            "ada@example.com",
            "suspended@example.com",
            "big@example.com",
            "visitor@example.com"
        ]
    );

    let refused = sign_in(&auth, "suspended@example.com").await;
    assert_eq!(
        refused.unwrap_err(),
        AuthError::LoginRefused("suspended tenant (pwd)".into())
    );

    let Ok(LoginOutcome::Session(session)) = sign_in(&auth, "ada@example.com").await else {
        panic!("signed in");
    };
    let identity = auth.authenticate(&session.access_token).unwrap();
    assert_eq!(identity.claims.get("tenant"), Some(&json!("acme")));
    assert_eq!(identity.role, "user", "a hook never sets a reserved claim");
    let refreshed = auth.refresh(&session.refresh_token).await.unwrap();
    let identity = auth.authenticate(&refreshed.access_token).unwrap();
    assert_eq!(
        identity.claims.get("tenant"),
        Some(&json!("acme")),
        "at refresh too"
    );

    let Ok(LoginOutcome::Session(big)) = sign_in(&auth, "big@example.com").await else {
        panic!("signed in");
    };
    let identity = auth.authenticate(&big.access_token).unwrap();
    assert!(
        identity.claims.is_empty(),
        "claims over the bound are all dropped"
    );
}
