//! The attack review on passwords: the most common ones are refused at
//! registration, change and reset, in every dialect's words.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{PASSWORD, Server};
use crate::mail::{request_reset, reset_token};

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
