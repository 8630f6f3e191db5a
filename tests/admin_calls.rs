//! The admin API called from Rust, without the HTTP handlers in front: the
//! last active admin stays one, an account's sessions end all at once, and
//! over a user store of the app's own that has no `UserDirectory`, what
//! needs one (counting the admins that remain) is refused before anything
//! is written.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::store::{MemoryStore, User, UserStore};
use portcullis::{
    AccountChanges, Auth, AuthConfig, AuthError, Client, Credentials, LoginOutcome, NewAccount,
    Session,
};

const PASSWORD: &str = "correct horse battery";

fn config() -> AuthConfig {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    config
}

/// Every seam on the memory store.
fn on_memory() -> Auth {
    Auth::builder(config())
        .store(MemoryStore::new())
        .build()
        .unwrap()
}

/// A new account of `email` with `role` and the password.
async fn account(auth: &Auth, email: &str, role: &str) -> User {
    auth.create_user(NewAccount::new(email, PASSWORD, role))
        .await
        .unwrap()
}

/// A password login of `email` that opens a session.
async fn signed_in(auth: &Auth, email: &str) -> Session {
    let Ok(LoginOutcome::Session(session)) = auth
        .login(
            Credentials::new(email, PASSWORD),
            Client::at([192, 0, 2, 1].into()),
        )
        .await
    else {
        panic!("{email} signed in");
    };
    session
}

/// Every seam on `store` but the directory.
fn without_directory(store: &MemoryStore) -> Auth {
    Auth::builder(config())
        .users(store.clone())
        .sessions(store.clone())
        .one_time_tokens(store.clone())
        .api_tokens(store.clone())
        .second_factors(store.clone())
        .identities(store.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_demotion_that_needs_the_directory_is_refused_before_anything_is_written() {
    let store = MemoryStore::new();
    let auth = without_directory(&store);
    account(&auth, "root@example.com", "admin").await;
    let ada = account(&auth, "ada@example.com", "admin").await;
    let session = signed_in(&auth, "root@example.com").await;
    let root = auth.authenticate(&session.access_token).unwrap();

    let mut changes = AccountChanges::default();
    changes.name = Some(Some("Ada, demoted".into()));
    changes.role = Some("user".into());
    let refused = auth.update_user(&root, &ada.id, changes).await;
    assert!(
        matches!(refused, Err(AuthError::Unsupported(_))),
        "{refused:?}"
    );
    let ada = store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!((ada.name, ada.role.as_str()), (None, "admin"));
}

#[tokio::test]
async fn the_last_active_admin_is_never_deactivated() {
    let auth = on_memory();
    let root = account(&auth, "root@example.com", "admin").await;
    let refused = auth.set_user_active(&root.id, false).await;
    assert!(
        matches!(refused, Err(AuthError::Conflict(_))),
        "{refused:?}"
    );
    let root = auth.set_user_active(&root.id, true).await.unwrap();
    assert!(root.is_active);
}

#[tokio::test]
async fn all_of_an_accounts_sessions_end_at_once() {
    let auth = on_memory();
    let ada = account(&auth, "ada@example.com", "user").await;
    let mut refresh_tokens = Vec::new();
    for _ in 0..2 {
        refresh_tokens.push(signed_in(&auth, "ada@example.com").await.refresh_token);
    }
    assert_eq!(auth.sessions(&ada.id).await.unwrap().len(), 2);
    auth.end_all_sessions(&ada.id).await.unwrap();
    assert!(auth.sessions(&ada.id).await.unwrap().is_empty());
    for refresh in &refresh_tokens {
        assert!(auth.refresh(refresh).await.is_err(), "an ended session");
    }
}
