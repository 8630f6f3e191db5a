//! Registration and one's own profile.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{PASSWORD, Server};

#[tokio::test]
async fn register_creates_an_account_that_can_log_in() {
    let server = Server::start().await;
    let reply = server
        .post(
            "/api/auth/register",
            json!({ "email": "  Grace@Example.COM ", "password": "long enough", "name": "Grace" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.data()["email"], "Grace@Example.COM", "trimmed");
    assert_eq!(reply.data()["role"]["id"], "user");
    assert_eq!(reply.data()["name"], "Grace");

    let login = server.login("grace@example.com", "long enough").await;
    assert_eq!(
        login.status,
        StatusCode::OK,
        "emails compare case-insensitively"
    );

    let twin = server
        .post(
            "/api/auth/register",
            json!({ "email": "GRACE@example.com", "password": "long enough" }),
        )
        .await;
    assert_eq!(twin.status, StatusCode::CONFLICT);
    assert_eq!(twin.error_code(), "CONFLICT");
}

#[tokio::test]
async fn register_names_the_field_that_is_wrong() {
    let server = Server::start().await;
    let cases = [
        (
            json!({ "email": "not-an-email", "password": "long enough" }),
            "email",
        ),
        (json!({ "password": "long enough" }), "email"),
        (
            json!({ "email": "a@example.com", "password": "short" }),
            "password",
        ),
        (
            json!({ "email": "a@example.com", "password": "x".repeat(129) }),
            "password",
        ),
        (json!({ "email": "a@example.com" }), "password"),
        (
            json!({ "email": "a@example.com", "password": "long enough", "name": 5 }),
            "name",
        ),
    ];
    for (body, field) in cases {
        let reply = server.post("/api/auth/register", body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.error_code(), "VALIDATION");
        assert_eq!(reply.body["field"], field, "{body}");
        assert!(reply.details().contains(field), "{}", reply.details());
    }
}

#[tokio::test]
async fn registration_can_be_closed() {
    let mut config = crate::common::test_config();
    config.accounts.registration_open = false;
    let server = Server::start_with(config, crate::common::Backing::Memory).await;
    let reply = server
        .post(
            "/api/auth/register",
            json!({ "email": "a@example.com", "password": "long enough" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn patch_me_changes_the_name() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let reply = server
        .patch_me(&access, json!({ "name": "  Ada Lovelace " }))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.data()["name"], "Ada Lovelace");
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.data()["name"], "Ada Lovelace");
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_ends_other_sessions() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, this_refresh) = server.tokens("ada@example.com").await;
    let (_, other_refresh) = server.tokens("ada@example.com").await;
    let patch = |body| server.patch_me(&access, body).send();

    let without = patch(json!({ "password": "a new password" })).await;
    assert_eq!(without.status, StatusCode::BAD_REQUEST);
    assert_eq!(without.body["field"], "currentPassword");
    let wrong =
        patch(json!({ "password": "a new password", "currentPassword": "wrong one" })).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.body["field"], "currentPassword");
    let weak = patch(json!({ "password": "short", "currentPassword": PASSWORD })).await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.body["field"], "password");

    let changed = patch(json!({ "password": "a new password", "currentPassword": PASSWORD })).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);

    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server
            .login("ada@example.com", "a new password")
            .await
            .status,
        StatusCode::OK
    );
    let other = server.refresh(&other_refresh).await;
    assert_eq!(
        other.status,
        StatusCode::UNAUTHORIZED,
        "other sessions are revoked"
    );
    let this = server.refresh(&this_refresh).await;
    assert_eq!(
        this.status,
        StatusCode::OK,
        "the session that changed it lives on"
    );
}

#[tokio::test]
async fn the_current_password_requirement_is_configurable() {
    let mut config = crate::common::test_config();
    config.accounts.require_current_password = false;
    let server = Server::start_with(config, crate::common::Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let reply = server
        .patch_me(&access, json!({ "password": "a new password" }))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        server
            .login("ada@example.com", "a new password")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_inactive_account_cannot_sign_in_and_gets_the_generic_answer() {
    let server = Server::start().await;
    let id = server.user("ada@example.com", "user").await;
    let (access, refresh) = server.tokens("ada@example.com").await;
    server
        .auth
        .set_user_active(&id, false)
        .await
        .expect("deactivate");
    let unknown = server.login("nobody@example.com", PASSWORD).await;
    let inactive = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(inactive.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        inactive.body, unknown.body,
        "no hint that the account exists"
    );
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let refreshed = server.refresh(&refresh).await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
}
