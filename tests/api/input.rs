//! Malformed input gets a clear 4xx in the native shape, never a 5xx.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::Server;

#[tokio::test]
async fn malformed_bodies_get_400_naming_the_problem() {
    let server = Server::start().await;
    let cases: [(&str, &str, &str); 6] = [
        ("{\"email\": ", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "JSON object"),
        (
            "email=a&password=b",
            "application/x-www-form-urlencoded",
            "not valid JSON",
        ),
        (
            "{\"email\": 5, \"password\": \"x\"}",
            "application/json",
            "email must be a string",
        ),
        (
            "{\"password\": \"x\"}",
            "application/json",
            "email is required",
        ),
        (
            "{\"email\": \"a@b.co\", \"password\": \"x\", \"remember\": \"yes\"}",
            "application/json",
            "remember must be a boolean",
        ),
    ];
    for (body, content_type, expected) in cases {
        let reply = server
            .request(Method::POST, "/api/auth/login")
            .raw(content_type, body.to_owned())
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.error_code(), "VALIDATION");
        assert_eq!(reply.body["message"], "Bad Request");
        assert!(
            reply.details().contains(expected),
            "{body}: {}",
            reply.details()
        );
    }
}

#[tokio::test]
async fn every_endpoint_refuses_garbage_without_a_5xx() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let paths = [
        (Method::POST, "/api/auth/login"),
        (Method::POST, "/api/login"),
        (Method::POST, "/api/auth/refresh-token"),
        (Method::POST, "/api/auth/logout"),
        (Method::POST, "/api/auth/register"),
        (Method::PATCH, "/api/me"),
    ];
    let bodies = [
        "",
        "null",
        "{}",
        "{\"refreshToken\": 7, \"name\": []}",
        "\u{0}\u{1}",
        "{\"email\": null}",
    ];
    for (method, path) in paths {
        for body in bodies {
            let reply = server
                .request(method.clone(), path)
                .bearer(&access)
                .raw("application/json", body.to_owned())
                .send()
                .await;
            assert!(
                reply.status.is_client_error() || reply.status.is_success(),
                "{method} {path} {body:?}: {}",
                reply.status
            );
            if reply.status.is_client_error() {
                reply.error_code();
            }
        }
    }
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let server = Server::start().await;
    let big = format!("{{\"email\": \"{}\"}}", "a".repeat(1024 * 1024 + 1));
    let reply = server
        .request(Method::POST, "/api/auth/login")
        .raw("application/json", big)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn a_json_null_name_clears_it() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let reply = server
        .patch_me(&access, json!({ "name": null }))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.data()["name"], serde_json::Value::Null);
}
