//! Which account a provider's person signs into: linking by verified
//! address, names, closed sign-ups, profiles checked like any input.

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use portcullis::store::{MemoryStore, NewUser, StoreError, User, UserChanges, UserStore};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Browser, START, config, provider, server_built, server_with, verified_user};

#[tokio::test]
async fn accounts_link_only_through_verified_addresses() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;

    // The provider does not vouch for the address: no account, no link.
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[("email", "new@example.com"), ("email_verified", "false")],
        )
        .await;
    assert_eq!(landed.error().as_deref(), Some("email_not_verified"));
    assert!(
        server
            .auth
            .find_user_by_email("new@example.com")
            .await
            .unwrap()
            .is_none()
    );

    // An existing account whose owner never proved the address: not linked
    // (whoever registered it first must not get the provider's person).
    server.self_registered("squatted@example.com").await;
    let landed = Browser::new(&server)
        .login(
            START,
            &[("email", "squatted@example.com"), ("sub", "victim")],
        )
        .await;
    assert_eq!(landed.error().as_deref(), Some("account_not_linked"));

    // A verified account with the same address is linked; having no name,
    // it takes the provider's.
    let id = verified_user(&server, "ada@example.com").await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[
                ("email", "ada@example.com"),
                ("sub", "ada"),
                ("name", "Ada Lovelace"),
            ],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["id"], json!(id));
    assert_eq!(
        me["name"], "Ada Lovelace",
        "the provider's name, as it had none"
    );

    // A deactivated account stays out.
    server
        .auth
        .set_user_active(&id, false)
        .await
        .expect("deactivate");
    let landed = Browser::new(&server)
        .login(START, &[("email", "ada@example.com"), ("sub", "ada")])
        .await;
    assert_eq!(landed.error().as_deref(), Some("account_disabled"));
}

#[tokio::test]
async fn an_account_with_a_name_keeps_it_whatever_the_provider_says() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let id = server.user("ada@example.com", "user").await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[
                ("email", "ada@example.com"),
                ("sub", "ada"),
                ("name", "Someone Else"),
            ],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["id"], json!(id));
    assert_eq!(me["name"], "Test User");
}

#[tokio::test]
async fn with_signups_closed_only_existing_accounts_sign_in() {
    let provider = provider().await;
    let mut config = config();
    config.oauth.create_users = false;
    let server = server_with(&provider, config).await;
    let landed = Browser::new(&server)
        .login(START, &[("email", "new@example.com"), ("sub", "new")])
        .await;
    assert_eq!(landed.error().as_deref(), Some("signup_closed"));
    assert!(
        server
            .auth
            .find_user_by_email("new@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let id = verified_user(&server, "ada@example.com").await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(START, &[("email", "ada@example.com"), ("sub", "ada")])
        .await;
    assert_eq!(browser.me_after(&landed).await["id"], json!(id));
}

#[tokio::test]
async fn provider_profiles_are_checked_like_anyone_elses() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;

    let malformed = Browser::new(&server)
        .login(START, &[("email", "not an address"), ("sub", "odd")])
        .await;
    assert_eq!(malformed.error().as_deref(), Some("email_missing"));

    let long_name = "N".repeat(1000);
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[
                ("email", "named@example.com"),
                ("sub", "named"),
                ("name", &long_name),
            ],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["email"], "named@example.com");
    assert_eq!(me["name"], Value::Null, "an overlong name is dropped");
}

/// Users in memory, where a second callback for `raced` creates its
/// account (verified, as a sign-up through a provider does) just after
/// this callback looked the address up and found nobody: the first lookup
/// of `raced` answers as it was before the other callback's create.
struct Racing {
    users: MemoryStore,
    raced: &'static str,
    overtaken: AtomicBool,
}

#[async_trait]
impl UserStore for Racing {
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        self.users.create_user(user).await
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.users.find_user(id).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        if email == self.raced && !self.overtaken.swap(true, Ordering::SeqCst) {
            let mut other = NewUser::new(email, "user", None, OffsetDateTime::now_utc());
            other.email_verified = true;
            self.users.create_user(other).await?;
            return Ok(None);
        }
        self.users.find_user_by_email(email).await
    }

    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError> {
        self.users.update_user(id, changes).await
    }
}

#[tokio::test]
async fn two_callbacks_racing_for_one_new_address_sign_in_to_one_account() {
    let provider = provider().await;
    let users = MemoryStore::new();
    let racing = Racing {
        users: users.clone(),
        raced: "new@example.com",
        overtaken: AtomicBool::new(false),
    };
    let server = server_built(&provider, config(), |b| b.users(racing)).await;

    let mut browser = Browser::new(&server);
    let landed = browser
        .login(START, &[("email", "new@example.com"), ("sub", "new")])
        .await;
    assert_eq!(landed.status, StatusCode::FOUND, "{}", landed.body);
    assert_eq!(
        landed.error(),
        None,
        "the create's conflict is looked up again"
    );
    let theirs = users
        .find_user_by_email("new@example.com")
        .await
        .unwrap()
        .expect("the other callback's account");
    assert_eq!(browser.me_after(&landed).await["id"], json!(theirs.id));
}
