//! The attack review on second factors: enrolment needs the user to prove
//! themselves again (a stolen access token alone enrols nobody's device),
//! waits for a verified address when verification is on, and a reset of an
//! address that was never verified clears what a squatter may have set up.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backing, PASSWORD, Server, test_config};
use crate::mail::{request_reset, reset_token};
use crate::mfa::{code_at, enable, now, verify};

#[tokio::test]
async fn enrolment_needs_the_current_password() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let start = |body: serde_json::Value| {
        server
            .request(Method::POST, "/api/auth/enable-mfa")
            .bearer(&access)
            .json(body)
            .send()
    };
    let bare = start(json!({})).await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST, "{}", bare.body);
    assert_eq!(bare.body["field"], "currentPassword");
    let wrong = start(json!({ "currentPassword": "not the password" })).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.body["field"], "currentPassword");
    let right = start(json!({ "currentPassword": PASSWORD })).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert!(right.data()["secret"].is_string());
}

#[tokio::test]
async fn with_verification_on_enrolment_waits_for_a_verified_address() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Optional;
    let server = Server::start_with(config, Backing::Memory).await;
    server.self_registered("ada@example.com").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let refused = enable(&server, &access).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let mut verified = portcullis::NewAccount::new("bob@example.com", PASSWORD, "user");
    verified.email_verified = true;
    server.auth.create_user(verified).await.unwrap();
    let (access, _) = server.tokens("bob@example.com").await;
    assert_eq!(enable(&server, &access).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_reset_of_a_never_verified_address_clears_second_factors() {
    let server = Server::start().await;
    // A squatter registered the owner's address and turned MFA on.
    server.self_registered("owner@example.com").await;
    let (access, _) = server.tokens("owner@example.com").await;
    let secret = enable(&server, &access).await.data()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let on = verify(&server, &access, &code_at(&secret, now(&server))).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);

    // The owner resets the password through the mail only they receive.
    request_reset(&server, json!({ "email": "owner@example.com" })).await;
    let token = reset_token(&server).await;
    let reset = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "the owner's own password" }),
        )
        .await;
    assert!(reset.status.is_success(), "{}", reset.body);
    let login = server
        .login("owner@example.com", "the owner's own password")
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert!(
        login.data()["accessToken"].is_string(),
        "no second factor of the squatter's asked: {}",
        login.body
    );
}

#[tokio::test]
async fn a_reset_of_a_verified_address_keeps_the_second_factor() {
    let server = Server::start().await;
    let mut account = portcullis::NewAccount::new("ada@example.com", PASSWORD, "user");
    account.email_verified = true;
    server.auth.create_user(account).await.unwrap();
    let (access, _) = server.tokens("ada@example.com").await;
    let secret = enable(&server, &access).await.data()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    verify(&server, &access, &code_at(&secret, now(&server))).await;
    request_reset(&server, json!({ "email": "ada@example.com" })).await;
    let token = reset_token(&server).await;
    server
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "a brand new password" }),
        )
        .await;
    let login = server
        .login("ada@example.com", "a brand new password")
        .await;
    assert_eq!(login.data()["mfaRequired"], true, "{}", login.body);
}
