//! Rules a mutation run (cargo-mutants, `scripts/mutants`) found no test
//! guarding: each test here fails when its rule's code is changed.

use portcullis::store::{UserChanges, UserStore};
use portcullis::{AuthError, Client, Credentials};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backing, PASSWORD, Server, test_config};
use crate::mail::{messages, request_reset, reset_token};
use crate::mfa::enrolled;
use crate::v1_tokens::app_token;

#[tokio::test]
async fn failures_on_one_account_never_throttle_or_lock_another() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    server.user("bob@example.com", "user").await;
    for _ in 0..10 {
        server.login("ada@example.com", "wrong password").await;
    }
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let wrong = server.login("bob@example.com", "wrong password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    let right = server.login("bob@example.com", PASSWORD).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
}

#[tokio::test]
async fn a_user_deactivated_in_the_store_itself_cannot_refresh() {
    // An app that keeps its users in its own table may deactivate one there,
    // without asking portcullis to end the sessions: refresh still says no.
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    let id = server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    let (store, _) = server.sql.as_ref().expect("a SQL store");
    let mut changes = UserChanges::default();
    changes.is_active = Some(false);
    store.update_user(&id, changes).await.expect("deactivate");
    let refused = server.refresh(&refresh).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
}

#[tokio::test]
async fn a_one_step_login_of_an_mfa_user_without_a_code_is_refused_without_a_challenge() {
    let server = Server::start().await;
    enrolled(&server, "ada@example.com").await;

    let mut credentials = Credentials::new("ada@example.com", PASSWORD);
    credentials.second_step = false;
    let outcome = server.auth.login(credentials, Client::default()).await;
    assert!(
        matches!(outcome, Err(AuthError::InvalidOtp)),
        "no challenge for a client that cannot answer one: {outcome:?}"
    );

    let directus = server
        .post(
            "/directus/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        directus.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        directus.body
    );
    assert_eq!(
        directus.body["errors"][0]["extensions"]["code"],
        "INVALID_OTP"
    );

    server.user("root@example.com", "admin").await;
    let app = app_token(&server, "root@example.com").await;
    let v1 = server
        .request(Method::POST, "/api/v1/token/")
        .header("app-token", &app)
        .json(json!({ "username": "ada@example.com", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(v1.status, StatusCode::UNAUTHORIZED, "{}", v1.body);
    assert!(v1.body["errors"]["otp"].is_string(), "{}", v1.body);
}

#[tokio::test]
async fn a_users_sessions_are_listed() {
    let server = Server::start().await;
    let id = server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    server.tokens("ada@example.com").await;
    assert_eq!(server.auth.sessions(&id).await.expect("sessions").len(), 2);
    let listed = server
        .request(Method::GET, "/api/auth/sessions")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.data().as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_password_reset_proves_the_address() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Required;
    let server = Server::start_with(config, Backing::Memory).await;
    let body = json!({ "email": "new@example.com", "password": "long enough" });
    server.post("/api/auth/register", body).await;
    let held = server.login("new@example.com", "long enough").await;
    assert_eq!(held.error_code(), "EMAIL_NOT_VERIFIED");

    request_reset(&server, json!({ "email": "new@example.com" })).await;
    let token = reset_token(&server).await;
    let reset = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "another long one" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    let login = server.login("new@example.com", "another long one").await;
    assert_eq!(
        login.status,
        StatusCode::OK,
        "the link reached its owner: {}",
        login.body
    );
}

#[tokio::test]
async fn a_confirmed_new_address_counts_as_verified() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Optional;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("root@example.com", "admin").await;
    let (admin, _) = server.tokens("root@example.com").await;
    let body = json!({ "email": "new@example.com", "password": "long enough" });
    let id = server.post("/api/auth/register", body).await.data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (access, _) = server.tokens_with("new@example.com", "long enough").await;
    let asked = server
        .request(Method::PUT, "/api/auth/update-user")
        .bearer(&access)
        .json(json!({ "email": "other@example.com", "currentPassword": "long enough" }))
        .send()
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let mail = messages(&server, 2).await;
    let confirm = mail
        .iter()
        .find(|m| m.to == "other@example.com")
        .expect("a confirmation to the new address");
    let done = server
        .request(Method::PUT, "/api/auth/update-email")
        .json(json!({ "token": confirm.token() }))
        .send()
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let account = server
        .request(Method::GET, &format!("/api/admin/users/{id}"))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(account.data()["emailVerified"], true, "{}", account.body);
}
