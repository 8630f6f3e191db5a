//! New passwords: the bundled list of common passwords, Unicode NFKC, the
//! single-factor minimum, a breached-password service asked by
//! k-anonymity, lengths at both limits, hashes made again as users sign in
//! (new parameters, another Argon2 variant, from before NFKC), and a
//! signed-in user confirming their own password before a sensitive step.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use portcullis::store::{MemoryStore, UserChanges, UserStore};
use portcullis::{
    Auth, AuthConfig, AuthError, BreachedPasswords, Client, Credentials, Field, LoginOutcome,
    NewAccount, Rule, k_anonymity_range,
};

fn config(memory_kib: u32) -> AuthConfig {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = memory_kib;
    config.accounts.password.iterations = 1;
    config
}

fn auth(config: AuthConfig, store: &MemoryStore) -> Auth {
    Auth::builder(config).store(store.clone()).build().unwrap()
}

fn refused_as(result: Result<impl std::fmt::Debug, AuthError>, rule: Rule) {
    match result {
        Err(AuthError::Validation {
            field: Field::Password,
            rule: got,
        }) => {
            assert_eq!(got, rule);
        }
        other => panic!("expected {rule:?}, got {other:?}"),
    }
}

async fn signs_in(auth: &Auth, email: &str, password: &str) -> bool {
    matches!(
        auth.login(Credentials::new(email, password), Client::default())
            .await,
        Ok(LoginOutcome::Session(_))
    )
}

#[tokio::test]
async fn common_passwords_are_refused_in_any_case() {
    let auth = auth(config(1024), &MemoryStore::new());
    for common in ["password", "12345678", "Sunshine", "ILOVEYOU", "football1"] {
        let account = NewAccount::new("ada@example.com", common, "user");
        refused_as(auth.create_user(account).await, Rule::TooCommon);
    }
    let fine = NewAccount::new("ada@example.com", "correct horse battery", "user");
    assert!(auth.create_user(fine).await.is_ok());
}

#[tokio::test]
async fn passwords_are_normalized_to_nfkc() {
    let auth = auth(config(1024), &MemoryStore::new());
    // Full-width letters, as some keyboards type them.
    let typed = "ｃｏｒｒｅｃｔ horse battery";
    auth.create_user(NewAccount::new("ada@example.com", typed, "user"))
        .await
        .unwrap();
    assert!(signs_in(&auth, "ada@example.com", "correct horse battery").await);
    assert!(signs_in(&auth, "ada@example.com", typed).await);
}

#[tokio::test]
async fn a_password_that_is_the_only_factor_can_be_asked_to_be_longer() {
    let mut config = config(1024);
    config.accounts.password.single_factor_min_length = Some(15);
    let auth = auth(config, &MemoryStore::new());
    let short = NewAccount::new("ada@example.com", "twelve chars", "user");
    refused_as(auth.create_user(short).await, Rule::TooShort { min: 15 });
    let long = NewAccount::new("ada@example.com", "fifteen chars ok", "user");
    assert!(auth.create_user(long).await.is_ok());
}

#[tokio::test]
async fn hashes_are_made_again_when_the_parameters_change() {
    let store = MemoryStore::new();
    let before = auth(config(1024), &store);
    let ada = before
        .create_user(NewAccount::new(
            "ada@example.com",
            "correct horse battery",
            "user",
        ))
        .await
        .unwrap();
    assert!(ada.password_hash.unwrap().contains("m=1024"));
    let after = auth(config(2048), &store);
    assert!(signs_in(&after, "ada@example.com", "correct horse battery").await);
    assert!(
        stored_hash(&store, &ada.id).await.contains("m=2048"),
        "the new parameters, from this sign-in on"
    );
}

/// A k-anonymity range service on loopback: it knows one breached
/// password and records every prefix it was asked for.
async fn range_service(breached: &str) -> (String, Arc<Mutex<Vec<String>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let (prefix, suffix) = k_anonymity_range(breached);
    let seen = asked.clone();
    let app = Router::new().route(
        "/range/{prefix}",
        get(move |Path(asked): Path<String>| {
            seen.lock().unwrap().push(asked.clone());
            let body = if asked == prefix {
                format!("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n{suffix}:3861493\r\n")
            } else {
                "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n".to_owned()
            };
            async move { body }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, asked)
}

/// The client side of the range API, as an app would write it.
struct RangeApi(String);

#[async_trait]
impl BreachedPasswords for RangeApi {
    async fn is_breached(&self, password: &str) -> Result<bool, String> {
        let (prefix, suffix) = k_anonymity_range(password);
        let answer = reqwest::get(format!("{}/range/{prefix}", self.0))
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        Ok(answer
            .lines()
            .any(|line| line.split(':').next() == Some(suffix.as_str())))
    }
}

#[tokio::test]
async fn a_breached_password_service_is_asked_by_k_anonymity() {
    let breached = "Tr0ub4dor&3 horse";
    let (base, asked) = range_service(breached).await;
    let auth = Auth::builder(config(1024))
        .store(MemoryStore::new())
        .breached_passwords(RangeApi(base))
        .build()
        .unwrap();
    let account = NewAccount::new("ada@example.com", breached, "user");
    refused_as(auth.create_user(account).await, Rule::Breached);
    let fine = NewAccount::new("ada@example.com", "correct horse battery", "user");
    assert!(auth.create_user(fine).await.is_ok());
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 2);
    assert!(asked.iter().all(|prefix| prefix.len() == 5), "{asked:?}");

    let down = Auth::builder(config(1024))
        .store(MemoryStore::new())
        .breached_passwords(RangeApi("http://127.0.0.1:9".into()))
        .build()
        .unwrap();
    let account = NewAccount::new("bob@example.com", "correct horse battery", "user");
    assert!(
        matches!(down.create_user(account).await, Err(AuthError::Unavailable)),
        "a service that cannot answer fails closed"
    );
}

/// Keeps every message, for the test to read links from.
#[derive(Clone, Default)]
struct Kept(Arc<Mutex<Vec<portcullis::mail::Email>>>);

#[async_trait]
impl portcullis::mail::Mailer for Kept {
    async fn send(
        &self,
        _from: &str,
        email: &portcullis::mail::Email,
    ) -> Result<(), portcullis::mail::MailError> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

#[tokio::test]
async fn a_reset_of_a_never_verified_address_unlinks_identities() {
    use portcullis::store::IdentityStore;
    let (store, kept) = (MemoryStore::new(), Kept::default());
    let auth = Auth::builder(config(1024))
        .store(store.clone())
        .mailer(kept.clone())
        .build()
        .unwrap();
    let mut squatted = NewAccount::new("owner@example.com", "correct horse battery", "user");
    squatted.email_verified = false;
    let user = auth.create_user(squatted).await.unwrap();
    store
        .link_identity(&user.id, "github", "the-squatters-account")
        .await
        .unwrap();
    auth.request_password_reset("owner@example.com", None, Client::default())
        .await
        .unwrap();
    let token = loop {
        let link = kept.0.lock().unwrap().iter().find_map(|m| {
            m.text
                .split_whitespace()
                .find_map(|w| w.split_once("token=").map(|(_, t)| t.to_owned()))
        });
        if let Some(token) = link {
            break token;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    auth.reset_password(&token, "the owner's own password")
        .await
        .unwrap();
    assert_eq!(
        store
            .find_identity("github", "the-squatters-account")
            .await
            .unwrap(),
        None,
        "the squatter's identity no longer signs in as the owner"
    );
}

#[tokio::test]
async fn a_signed_in_user_confirms_their_own_password_and_no_other() {
    let auth = auth(config(1024), &MemoryStore::new());
    for (email, password) in [
        ("ada@example.com", "correct horse battery"),
        ("bob@example.com", "battery staple horse"),
    ] {
        auth.create_user(NewAccount::new(email, password, "user"))
            .await
            .unwrap();
    }
    let session = auth
        .login(
            Credentials::new("ada@example.com", "correct horse battery"),
            Client::default(),
        )
        .await
        .unwrap()
        .session()
        .expect("a one-step login");
    let ada = auth.authenticate(&session.access_token).unwrap();
    let confirm = async |password| {
        auth.confirm_own_password(&ada, password, Client::default())
            .await
    };
    assert_eq!(confirm("correct horse battery").await, Ok(()));
    assert_eq!(
        confirm("battery staple horse").await,
        Err(AuthError::InvalidCredentials),
        "another user's password is not this user's"
    );
    assert_eq!(confirm("").await, Err(AuthError::InvalidCredentials));
}

#[tokio::test]
async fn lengths_are_counted_in_characters_and_both_limits_are_allowed() {
    let auth = auth(config(1024), &MemoryStore::new());
    let attempt = async |email: &str, password: String| {
        auth.create_user(NewAccount::new(email, password, "user"))
            .await
    };
    // Two bytes each: counted in bytes, seven would pass the minimum.
    refused_as(
        attempt("a@example.com", "é".repeat(7)).await,
        Rule::TooShort { min: 8 },
    );
    assert!(
        attempt("b@example.com", "é".repeat(8)).await.is_ok(),
        "exactly the minimum"
    );
    assert!(
        attempt("c@example.com", "é".repeat(128)).await.is_ok(),
        "exactly the maximum"
    );
    refused_as(
        attempt("d@example.com", "é".repeat(129)).await,
        Rule::TooLong { max: 128 },
    );
}

/// A stored hash of `password` made elsewhere: by another Argon2 variant or
/// version, or before passwords were normalized.
fn foreign_hash(algorithm: Algorithm, version: Version, password: &str) -> String {
    let params = Params::new(1024, 1, 1, None).unwrap();
    let salt = SaltString::from_b64("c29tZSBzYWx0IGJ5dGVz").unwrap();
    Argon2::new(algorithm, version, params)
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

/// Ada's account over `store`, her stored hash replaced by `hash`.
async fn ada_with_hash(auth: &Auth, store: &MemoryStore, hash: String) -> String {
    let ada = auth
        .create_user(NewAccount::new(
            "ada@example.com",
            "placeholder words",
            "user",
        ))
        .await
        .unwrap();
    let mut changes = UserChanges::default();
    changes.password_hash = Some(hash);
    store.update_user(&ada.id, changes).await.unwrap();
    ada.id
}

async fn stored_hash(store: &MemoryStore, id: &str) -> String {
    store
        .find_user(id)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap()
}

#[tokio::test]
async fn a_current_hash_is_kept_and_any_other_variant_is_made_again() {
    let current = foreign_hash(Algorithm::Argon2id, Version::V0x13, "correct horse battery");
    for (hash, remade) in [
        (current, false),
        (
            foreign_hash(Algorithm::Argon2i, Version::V0x13, "correct horse battery"),
            true,
        ),
        (
            foreign_hash(Algorithm::Argon2id, Version::V0x10, "correct horse battery"),
            true,
        ),
    ] {
        let store = MemoryStore::new();
        let auth = auth(config(1024), &store);
        let ada = ada_with_hash(&auth, &store, hash.clone()).await;
        assert!(signs_in(&auth, "ada@example.com", "correct horse battery").await);
        let now = stored_hash(&store, &ada).await;
        assert_eq!(now != hash, remade, "{hash} after a sign-in: {now}");
        assert!(now.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{now}");
        assert!(signs_in(&auth, "ada@example.com", "correct horse battery").await);
    }
}

#[tokio::test]
async fn a_hash_from_before_normalization_matches_what_was_typed_then_is_made_again() {
    let store = MemoryStore::new();
    let auth = auth(config(1024), &store);
    let typed = "ｃｏｒｒｅｃｔ horse battery";
    let legacy = foreign_hash(Algorithm::Argon2id, Version::V0x13, typed);
    let ada = ada_with_hash(&auth, &store, legacy.clone()).await;

    assert!(
        !signs_in(&auth, "ada@example.com", "ｗｒｏｎｇ horse battery").await,
        "another password that normalization changes"
    );
    assert_eq!(stored_hash(&store, &ada).await, legacy);
    assert!(signs_in(&auth, "ada@example.com", typed).await);
    assert_ne!(
        stored_hash(&store, &ada).await,
        legacy,
        "made again, normalized"
    );
    assert!(signs_in(&auth, "ada@example.com", "correct horse battery").await);
}
