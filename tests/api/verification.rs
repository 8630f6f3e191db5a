//! Address verification: the link sent at registration, sent again on
//! request, and the logins it holds while required.

use portcullis::NewAccount;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backing, PASSWORD, Server, test_config};
use crate::mail::{messages, request_reset, reset_token};

#[tokio::test]
async fn required_verification_holds_logins_until_the_link_is_followed() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Required;
    let server = Server::start_with(config, Backing::Memory).await;
    let registered = server
        .post(
            "/api/auth/register",
            json!({ "email": "new@example.com", "password": "long enough" }),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let wrong = server.login("new@example.com", "wrong password").await;
    assert_eq!(
        wrong.status,
        StatusCode::UNAUTHORIZED,
        "a wrong password learns nothing"
    );
    let held = server.login("new@example.com", "long enough").await;
    assert_eq!(held.status, StatusCode::FORBIDDEN);
    assert_eq!(held.error_code(), "EMAIL_NOT_VERIFIED");

    let mail = messages(&server, 1).await;
    assert!(
        mail[0]
            .link()
            .starts_with("https://app.test/verify-email?token=")
    );
    let verified = server
        .post(
            "/api/auth/verify-email",
            json!({ "token": mail[0].token() }),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(
        server.login("new@example.com", "long enough").await.status,
        StatusCode::OK
    );

    let resend = |email: &'static str| {
        server.post("/api/auth/resend-verification", json!({ "email": email }))
    };
    assert_eq!(
        resend("new@example.com").await.status,
        StatusCode::OK,
        "verified: nothing sent, same answer"
    );
    for _ in 0..3 {
        assert_eq!(resend("other@example.com").await.status, StatusCode::OK);
    }
    assert_eq!(
        resend("other@example.com").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "resends are throttled"
    );
}

#[tokio::test]
async fn links_are_sent_again_only_to_active_accounts_not_yet_verified() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Required;
    config.throttles.mail_address.limit = 100;
    let server = Server::start_with(config, Backing::Memory).await;
    let unverified = |email: &str| {
        let mut account = NewAccount::new(email, PASSWORD, "user");
        account.email_verified = false;
        server.auth.create_user(account)
    };
    unverified("new@example.com").await.expect("create user");
    let gone = unverified("gone@example.com").await.expect("create user");
    server
        .auth
        .set_user_active(&gone.id, false)
        .await
        .expect("deactivate");
    server.user("done@example.com", "user").await;
    for email in [
        "gone@example.com",
        "done@example.com",
        "nobody@example.com",
        "new@example.com",
    ] {
        let resend = server
            .post("/api/auth/resend-verification", json!({ "email": email }))
            .await;
        assert_eq!(resend.status, StatusCode::OK, "{email}: the same answer");
    }
    // A mail sent after all of them: when it is there, they are too.
    request_reset(&server, json!({ "email": "done@example.com" })).await;
    reset_token(&server).await;
    let mail = messages(&server, 2).await;
    let links: Vec<_> = mail
        .iter()
        .filter(|m| m.link().starts_with("https://app.test/verify-email?token="))
        .collect();
    assert_eq!(links.len(), 1, "{mail:?}");
    assert_eq!(links[0].to, "new@example.com");
    let verified = server
        .post(
            "/api/auth/verify-email",
            json!({ "token": links[0].token() }),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(
        server.login("new@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn optional_verification_sends_the_mail_but_lets_users_in() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Optional;
    let server = Server::start_with(config, Backing::Memory).await;
    server
        .post(
            "/api/auth/register",
            json!({ "email": "new@example.com", "password": "long enough" }),
        )
        .await;
    assert_eq!(
        server.login("new@example.com", "long enough").await.status,
        StatusCode::OK
    );
    assert_eq!(messages(&server, 1).await.len(), 1);
}

#[tokio::test]
async fn verification_without_a_mailer_is_a_configuration_error() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Optional;
    let built = portcullis::Auth::builder(config)
        .store(portcullis::store::MemoryStore::new())
        .build();
    assert!(
        built.is_err(),
        "registrations would be created and then fail"
    );
}
