//! The attack review on HTTP: no cache keeps a token, `Secure` cookies go
//! by prefixed names with the refresh cookie scoped to the auth endpoints,
//! and the origin check compares the scheme too.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backing, PASSWORD, Reply, Server, test_config};
use crate::v1_tokens::app_token;

fn no_store(reply: &Reply, what: &str) {
    assert_eq!(
        reply
            .headers
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "{what}"
    );
}

#[tokio::test]
async fn no_response_that_carries_a_token_may_be_cached() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let login = server.login("admin@example.com", PASSWORD).await;
    no_store(&login, "a login");
    let refresh = login.data()["refreshToken"].as_str().unwrap().to_owned();
    no_store(&server.refresh(&refresh).await, "a refresh");
    no_store(
        &server.cookie_login("admin@example.com", false).await,
        "a cookie login",
    );
    let directus = json!({ "email": "admin@example.com", "password": PASSWORD });
    no_store(
        &server.post("/directus/auth/login", directus).await,
        "a Directus login",
    );
    let app = app_token(&server, "admin@example.com").await;
    let user_token = server
        .request(Method::POST, "/api/v1/token/")
        .header("app-token", &app)
        .raw(
            "application/x-www-form-urlencoded",
            format!(
                "username=admin%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            ),
        )
        .send()
        .await;
    assert_eq!(user_token.status, StatusCode::OK, "{}", user_token.body);
    no_store(&user_token, "a v1 user token");
}

/// A `Set-Cookie` header of the reply, by the cookie's full name.
fn cookie<'a>(set_cookies: &'a [String], name: &str) -> &'a str {
    set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in {set_cookies:?}"))
}

#[tokio::test]
async fn secure_cookies_are_prefixed_and_the_refresh_cookie_scoped() {
    let mut config = test_config();
    config.web.cookies.secure = true;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let origin = format!("https://{}", server.host());
    let login = server
        .request(Method::POST, "/api/login")
        .header("origin", &origin)
        .json(json!({ "email": "ada@example.com", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let set = login.set_cookies();
    let access = cookie(&set, "__Host-portcullis_access");
    assert!(
        access.contains("Path=/;") || access.ends_with("Path=/"),
        "{access}"
    );
    assert!(
        access.contains("Secure") && !access.contains("Domain"),
        "{access}"
    );
    let refresh = cookie(&set, "__Secure-portcullis_refresh");
    assert!(refresh.contains("Path=/api/auth"), "{refresh}");
    let device = cookie(&set, "__Secure-portcullis_device");
    assert!(device.contains("Path=/api"), "{device}");

    let pair = refresh.split(';').next().unwrap().to_owned();
    let refreshed = |origin: String| {
        server
            .request(Method::POST, "/api/auth/refresh-token")
            .header("origin", &origin)
            .header("cookie", &pair)
            .send()
    };
    let plain = refreshed(format!("http://{}", server.host())).await;
    assert_eq!(
        plain.status,
        StatusCode::FORBIDDEN,
        "a plain-http page of the host is another origin"
    );
    let ok = refreshed(origin).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(
        ok.set_cookie("__Secure-portcullis_refresh").is_some(),
        "the rotated token in the same cookie"
    );
}

#[tokio::test]
async fn the_directus_query_token_can_be_turned_off() {
    let mut config = test_config();
    config.web.query_access_token = false;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let by_query = server
        .request(
            Method::GET,
            &format!("/directus/users/me?access_token={access}"),
        )
        .send()
        .await;
    assert_eq!(
        by_query.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        by_query.body
    );
    let by_header = server
        .request(Method::GET, "/directus/users/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(by_header.status, StatusCode::OK);
}
