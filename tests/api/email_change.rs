//! Email change: the new address confirms by its link, the old one is
//! told, and an address taken meanwhile is refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PASSWORD, Server};
use crate::mail::messages;

#[tokio::test]
async fn an_email_change_waits_for_the_new_address_to_confirm() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    server.user("taken@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let update = |body: Value| {
        server
            .request(Method::PUT, "/api/auth/update-user")
            .bearer(&access)
            .json(body)
            .send()
    };

    let role = update(json!({ "role": "admin" })).await;
    assert_eq!(role.status, StatusCode::BAD_REQUEST);
    assert_eq!(role.body["field"], "role");
    let active = update(json!({ "isActive": false })).await;
    assert_eq!(active.status, StatusCode::BAD_REQUEST);
    let unproven = update(json!({ "email": "lovelace@example.com" })).await;
    assert_eq!(
        unproven.status,
        StatusCode::BAD_REQUEST,
        "a new address needs the password"
    );
    assert_eq!(unproven.body["field"], "currentPassword");
    let wrong =
        update(json!({ "email": "lovelace@example.com", "currentPassword": "guess" })).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        update(json!({ "email": "taken@example.com", "currentPassword": PASSWORD }))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        update(json!({ "email": "not an address", "currentPassword": PASSWORD }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    let changed = update(json!({
        "name": "Ada L.",
        "email": "lovelace@example.com",
        "currentPassword": PASSWORD,
    }))
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.data()["name"], "Ada L.", "the name changes at once");
    assert_eq!(
        changed.data()["email"],
        "ada@example.com",
        "the address does not, yet"
    );
    assert_eq!(changed.data()["emailChangePending"], true);

    let mail = messages(&server, 2).await;
    let confirm = mail
        .iter()
        .find(|m| m.to == "lovelace@example.com")
        .expect("confirmation to the new address");
    let notice = mail
        .iter()
        .find(|m| m.to == "ada@example.com")
        .expect("notice to the old address");
    assert!(
        confirm
            .link()
            .starts_with("https://app.test/confirm-email?token=")
    );
    assert!(notice.text.contains("ada@example.com"));

    let done = server
        .request(Method::PUT, "/api/auth/update-email")
        .json(json!({ "token": confirm.token() }))
        .send()
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.data()["email"], "lovelace@example.com");
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.login("lovelace@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    let again = server
        .request(Method::PUT, "/api/auth/update-email")
        .json(json!({ "token": confirm.token() }))
        .send()
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "a confirmation link works once"
    );
}

#[tokio::test]
async fn a_new_address_taken_meanwhile_is_refused() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    server
        .request(Method::PUT, "/api/auth/update-user")
        .bearer(&access)
        .json(json!({ "email": "contested@example.com", "currentPassword": PASSWORD }))
        .send()
        .await;
    let confirm = messages(&server, 2)
        .await
        .into_iter()
        .find(|m| m.to == "contested@example.com")
        .expect("mail");
    server.user("contested@example.com", "user").await;
    let late = server
        .request(Method::PUT, "/api/auth/update-email")
        .json(json!({ "token": confirm.token() }))
        .send()
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
}
