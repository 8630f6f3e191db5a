//! The admin API over a user store of the app's own that has no
//! `UserDirectory`: what needs one (counting the admins that remain) is
//! refused, and refused before anything is written.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::store::{MemoryStore, UserStore};
use portcullis::{
    AccountChanges, Auth, AuthConfig, AuthError, Client, Credentials, LoginOutcome, NewAccount,
};

const PASSWORD: &str = "correct horse battery";

/// Every seam on `store` but the directory.
fn without_directory(store: &MemoryStore) -> Auth {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    Auth::builder(config)
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
    auth.create_user(NewAccount::new("root@example.com", PASSWORD, "admin"))
        .await
        .unwrap();
    let ada = auth
        .create_user(NewAccount::new("ada@example.com", PASSWORD, "admin"))
        .await
        .unwrap();
    let Ok(LoginOutcome::Session(session)) = auth
        .login(
            Credentials::new("root@example.com", PASSWORD),
            Client::at([192, 0, 2, 1].into()),
        )
        .await
    else {
        panic!("signed in");
    };
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
