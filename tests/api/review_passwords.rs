//! The attack review on passwords: the most common ones are refused at
//! registration, change and reset, in every dialect's words; the
//! single-factor minimum binds only accounts without a second factor.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backing, PASSWORD, Server, test_config};
use crate::mail::{request_reset, reset_token};
use crate::mfa::enrolled;

#[tokio::test]
async fn common_passwords_are_refused_at_registration_change_and_reset() {
    let server = Server::start().await;
    let registered = server
        .post(
            "/api/auth/register",
            json!({ "email": "ada@example.com", "password": "password1" }),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::BAD_REQUEST,
        "{}",
        registered.body
    );
    assert_eq!(registered.body["field"], "password");
    assert!(
        registered.details().contains("most common"),
        "{}",
        registered.body
    );

    server.user("bob@example.com", "user").await;
    let (access, _) = server.tokens("bob@example.com").await;
    let change = json!({ "password": "iloveyou", "currentPassword": PASSWORD });
    let changed = server.patch_me(&access, change).send().await;
    assert_eq!(changed.status, StatusCode::BAD_REQUEST);
    assert_eq!(changed.body["field"], "password");

    request_reset(&server, json!({ "email": "bob@example.com" })).await;
    let token = reset_token(&server).await;
    let weak = json!({ "token": token, "password": "Football" });
    let reset = server.post("/api/auth/reset-password", weak).await;
    assert_eq!(reset.status, StatusCode::BAD_REQUEST);
    let strong = json!({ "token": token, "password": "a brand new password" });
    let reset = server.post("/api/auth/reset-password", strong).await;
    assert!(
        reset.status.is_success(),
        "the link was not spent by the refusal"
    );
}

#[tokio::test]
async fn the_single_factor_minimum_holds_only_without_a_second_factor() {
    let mut config = test_config();
    config.accounts.password.single_factor_min_length = Some(15);
    let server = Server::start_with(config, Backing::Memory).await;
    let (with_mfa, _, _) = enrolled(&server, "ada@example.com").await;
    server.user("bob@example.com", "user").await;
    let (without, _) = server.tokens("bob@example.com").await;
    let change = json!({ "password": "twelve chars", "currentPassword": PASSWORD });
    let refused = server.patch_me(&without, change.clone()).send().await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(refused.body["field"], "password");
    let allowed = server.patch_me(&with_mfa, change).send().await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
}
