//! Every refusal comes in the wire format of the route it guards, and each
//! dialect names fields in its own vocabulary.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{PASSWORD, Reply, Server};

/// Asserts a Directus error body and returns its code.
fn directus_code(reply: &Reply) -> &str {
    let error = &reply.body["errors"][0];
    assert!(error["message"].is_string(), "{}", reply.body);
    error["extensions"]["code"]
        .as_str()
        .expect("a Directus code")
}

#[tokio::test]
async fn a_cross_origin_cookie_request_is_refused_in_the_format_of_its_route() {
    let server = Server::start().await;
    server.user("ada@example.com", "admin").await;
    let cookies = server
        .cookie_login("ada@example.com", false)
        .await
        .cookie_header();
    let from_evil = |method: Method, path: &str| {
        server
            .request(method, path)
            .header("cookie", &cookies)
            .header("origin", "https://evil.example")
            .json(json!({}))
            .send()
    };

    let native = from_evil(Method::POST, "/api/auth/logout").await;
    assert_eq!(native.status, StatusCode::FORBIDDEN);
    assert_eq!(native.error_code(), "FORBIDDEN");

    let directus = from_evil(Method::POST, "/directus/auth/logout").await;
    assert_eq!(directus.status, StatusCode::FORBIDDEN, "{}", directus.body);
    assert_eq!(directus_code(&directus), "FORBIDDEN");

    let v1 = from_evil(Method::POST, "/api/v1/app_tokens/").await;
    assert_eq!(v1.status, StatusCode::FORBIDDEN, "{}", v1.body);
    assert!(v1.body["errors"]["detail"].is_string(), "{}", v1.body);

    let guarded = from_evil(Method::POST, "/app/directus-admin").await;
    assert_eq!(guarded.status, StatusCode::FORBIDDEN, "{}", guarded.body);
    assert_eq!(directus_code(&guarded), "FORBIDDEN");

    let same_origin = server
        .request(Method::GET, "/app/directus-admin")
        .header("cookie", &cookies)
        .send()
        .await;
    assert_eq!(same_origin.status, StatusCode::OK, "{}", same_origin.body);
}

#[tokio::test]
async fn a_guard_answers_in_the_format_it_was_given() {
    let server = Server::start().await;
    server.user("bob@example.com", "user").await;
    let (access, _) = server.tokens("bob@example.com").await;
    let anonymous = server
        .request(Method::GET, "/app/directus-admin")
        .send()
        .await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN);
    assert_eq!(directus_code(&anonymous), "FORBIDDEN");
    let user = server
        .request(Method::GET, "/app/directus-admin")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(user.status, StatusCode::FORBIDDEN);
    assert_eq!(directus_code(&user), "FORBIDDEN");
    let native = server.request(Method::GET, "/app/admin").send().await;
    assert_eq!(native.status, StatusCode::UNAUTHORIZED);
    assert_eq!(native.error_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn each_dialect_names_the_current_password_its_own_way() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let native = server
        .patch_me(&access, json!({ "password": "a brand new password" }))
        .send()
        .await;
    assert_eq!(native.status, StatusCode::BAD_REQUEST);
    assert_eq!(native.body["field"], "currentPassword");
    assert!(
        native.details().contains("currentPassword"),
        "{}",
        native.body
    );

    let directus = server
        .request(Method::PATCH, "/directus/users/me")
        .bearer(&access)
        .json(json!({ "password": "a brand new password" }))
        .send()
        .await;
    assert_eq!(directus.status, StatusCode::BAD_REQUEST);
    assert_eq!(directus_code(&directus), "INVALID_PAYLOAD");
    let reason = directus.body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("\"current_password\""), "{reason}");
    assert!(!reason.contains("currentPassword"), "{reason}");

    let wrong = server
        .request(Method::PATCH, "/directus/users/me")
        .bearer(&access)
        .json(json!({ "password": "a brand new password", "current_password": "nope" }))
        .send()
        .await;
    let reason = wrong.body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("current_password is incorrect"), "{reason}");
    let right = server
        .request(Method::PATCH, "/directus/users/me")
        .bearer(&access)
        .json(json!({ "password": "a brand new password", "current_password": PASSWORD }))
        .send()
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
}
