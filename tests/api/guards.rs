//! The axum extractors and the role guard on the application's own routes.

use reqwest::{Method, StatusCode};

use crate::common::Server;

#[tokio::test]
async fn the_identity_extractor_needs_a_valid_token() {
    let server = Server::start().await;
    let id = server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let me = server
        .request(Method::GET, "/app/whoami")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body, serde_json::Value::String(id.clone()));
    let anonymous = server.request(Method::GET, "/app/whoami").send().await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");

    let maybe = server.request(Method::GET, "/app/maybe").send().await;
    assert_eq!(maybe.body, "anonymous");
    let maybe = server
        .request(Method::GET, "/app/maybe")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(maybe.body, serde_json::Value::String(id));
    let forged = server
        .request(Method::GET, "/app/maybe")
        .bearer("x.y.z")
        .send()
        .await;
    assert_eq!(
        forged.status,
        StatusCode::UNAUTHORIZED,
        "presented but invalid is not anonymous"
    );
}

#[tokio::test]
async fn the_role_guard_admits_only_the_role() {
    let server = Server::start().await;
    server.user("ada@example.com", "admin").await;
    server.user("bob@example.com", "user").await;
    let (admin, _) = server.tokens("ada@example.com").await;
    let (user, _) = server.tokens("bob@example.com").await;
    let get = |token: Option<&str>| {
        let call = server.request(Method::GET, "/app/admin");
        match token {
            Some(t) => call.bearer(t).send(),
            None => call.send(),
        }
    };
    assert_eq!(get(Some(&admin)).await.status, StatusCode::OK);
    let forbidden = get(Some(&user)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.error_code(), "FORBIDDEN");
    assert_eq!(get(None).await.status, StatusCode::UNAUTHORIZED);
}
