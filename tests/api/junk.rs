//! The junk-request suite: every route of every dialect, sent malformed,
//! oversized, deeply nested, wrongly typed, wrongly labelled and invalid
//! UTF-8 input, with junk credentials: never a 5xx, and every refusal in
//! the route's own wire format. The number of requests is printed.

use std::io::Write;

use portcullis::web::dialect::{Dialect, Endpoint};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::Server;

/// One way to send junk: a body, its content type, and extra headers.
struct Junk {
    name: &'static str,
    body: Vec<u8>,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
}

fn junk() -> Vec<Junk> {
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let plain = |name, body: &[u8], content_type| Junk {
        name,
        body: body.to_vec(),
        content_type,
        headers: Vec::new(),
    };
    vec![
        plain("malformed JSON", b"{\"email\": ", "application/json"),
        plain("deeply nested", nested.as_bytes(), "application/json"),
        plain(
            "wrong types",
            br#"{"email":[1],"password":{"a":1},"refreshToken":true,"code":1.5,"token":null,"mfaToken":[],"otp":{},"seconds_until_expire":"soon","user":7,"name":[]}"#,
            "application/json",
        ),
        plain("invalid UTF-8", &[0xff, 0xfe, b'{', 0xc3, 0x28, b'}'], "application/json"),
        plain("form junk", b"email=%ZZ&password&&=%00", "application/x-www-form-urlencoded"),
        plain("wrong content type", b"{\"email\": \"a@b.co\"}", "text/plain"),
        plain("oversized", &vec![b'a'; 1024 * 1024 + 1], "application/json"),
        Junk {
            name: "junk credentials",
            body: b"{}".to_vec(),
            content_type: "application/json",
            headers: vec![
                ("authorization", "Bearer e30.e30.".to_owned()),
                ("cookie", "portcullis_access=%%%; directus_session_token=a.b.c; =;".to_owned()),
                ("app-token", "x".repeat(300)),
                ("token", "junk\ttoken value".to_owned()),
            ],
        },
        Junk {
            name: "junk query",
            body: Vec::new(),
            content_type: "application/json",
            headers: vec![("x-forwarded-for", "not an ip, 999.1.1.1".to_owned())],
        },
    ]
}

/// Where a dialect's routes are mounted in the test server.
fn mounted(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Directus => "/directus",
        _ => "/api",
    }
}

/// Asserts a refusal is in the wire format of the endpoint's dialect.
fn in_its_format(endpoint: Endpoint, status: StatusCode, body: &Value, what: &str) {
    match endpoint {
        Endpoint::Directus(_) | Endpoint::OAuthCallback(Dialect::Directus) => {
            assert!(
                body["errors"][0]["extensions"]["code"].is_string(),
                "{what}: {body}"
            );
        }
        Endpoint::V1(_) => assert!(body["errors"].is_object(), "{what}: {body}"),
        _ => {
            assert_eq!(body["statusCode"], status.as_u16(), "{what}: {body}");
            assert!(body["code"].is_string(), "{what}: {body}");
        }
    }
}

#[tokio::test]
async fn every_route_answers_junk_with_a_4xx_in_its_own_format() {
    let server = Server::start().await;
    let mut sent = 0;
    for dialect in [Dialect::Native, Dialect::Directus] {
        for route in dialect.routes() {
            let path = route
                .path
                .replace("{provider}", "junk")
                .replace("{token}", "junk")
                .replace("{id}", "junk");
            for junk in junk() {
                let query = if junk.name == "junk query" {
                    "?state=%ZZ&code=%00&redirect=javascript:x&error=%&access_token=a.b.c"
                } else {
                    ""
                };
                let url = format!("{}{path}{query}", mounted(dialect));
                let mut call = server
                    .request(route.method.clone(), &url)
                    .raw(junk.content_type, junk.body.clone());
                for (name, value) in &junk.headers {
                    call = call.header(name, value);
                }
                let reply = call.send().await;
                sent += 1;
                let what = format!("{} {url} with {}", route.method, junk.name);
                assert!(!reply.status.is_server_error(), "{what}: {}", reply.status);
                if reply.status.is_client_error() {
                    in_its_format(route.endpoint, reply.status, &reply.body, &what);
                }
                if route.method == Method::GET && reply.status.is_redirection() {
                    assert!(reply.headers.contains_key("location"), "{what}");
                }
            }
        }
    }
    // Written past the test harness's capture, so the count is seen.
    let _ = writeln!(
        std::io::stderr(),
        "junk suite ({:?}): {sent} requests, none answered 5xx",
        crate::FRAMEWORK
    );
    assert!(sent > 500, "every route, every kind of junk: {sent}");
}
