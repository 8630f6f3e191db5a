//! The Directus dialect: its session cookie, and answers in JSON when no
//! redirect is asked for.

use reqwest::StatusCode;
use serde_json::json;

use super::{Browser, DIRECTUS_START, config, provider, server_with};
use crate::common::PASSWORD;

#[tokio::test]
async fn the_directus_dialect_signs_in_with_its_session_cookie() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let listed = server
        .request(reqwest::Method::GET, "/directus/auth")
        .send()
        .await;
    assert_eq!(
        listed.body["data"],
        json!([{ "name": "oidc", "driver": "openid", "label": "oidc" }])
    );
    let names = server
        .request(reqwest::Method::GET, "/directus/auth/oauth")
        .send()
        .await;
    assert_eq!(names.body, json!({ "data": ["oidc"] }));

    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            "http://api.test/directus/auth/login/oidc?redirect=https%3A%2F%2Fapp.test%2Fadmin",
            &[("email", "dx@example.com")],
        )
        .await;
    assert_eq!(landed.location(), "https://app.test/admin");
    let session = browser
        .cookie("http://api.test", "directus_session_token")
        .expect("session cookie");
    let me = server
        .request(reqwest::Method::GET, "/directus/users/me")
        .header("cookie", &format!("directus_session_token={session}"))
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["data"]["email"], "dx@example.com");

    let refused = Browser::new(&server)
        .login(
            "http://api.test/directus/auth/login/oidc?redirect=https%3A%2F%2Fapp.test%2Fadmin",
            &[("scenario", "wrong_nonce")],
        )
        .await;
    assert_eq!(
        refused.location(),
        "https://app.test/admin?reason=INVALID_CREDENTIALS"
    );
}

#[tokio::test]
async fn directus_logins_without_redirect_answer_in_json_as_directus_does() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let start = "http://api.test/directus/auth/login/oidc";

    let mut browser = Browser::new(&server);
    let landed = browser
        .login(start, &[("email", "json@example.com"), ("sub", "json")])
        .await;
    assert_eq!(landed.status, StatusCode::OK, "{}", landed.body);
    let tokens = &landed.body["data"];
    assert!(tokens["refresh_token"].is_string() && tokens["expires"].is_number());
    let access = tokens["access_token"].as_str().expect("access token");
    let me = server
        .request(reqwest::Method::GET, "/directus/users/me")
        .bearer(access)
        .send()
        .await;
    assert_eq!(me.body["data"]["email"], "json@example.com", "{}", me.body);

    let denied = Browser::new(&server)
        .login(start, &[("scenario", "deny")])
        .await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        denied.body["errors"][0]["extensions"]["code"],
        "INVALID_CREDENTIALS"
    );
    assert!(denied.location.is_none());

    // Another browser's callback: Directus's 401, not a login.
    let mut owner = Browser::new(&server);
    let started = owner.get(start).await;
    let back = owner
        .get(&format!("{}&sub=x&email=x@example.com", started.location()))
        .await;
    let at_directus = back
        .location()
        .replace("/api/auth/oidc/", "/directus/auth/login/oidc/");
    let stolen = Browser::new(&server).get(&at_directus).await;
    assert_eq!(stolen.status, StatusCode::UNAUTHORIZED, "{}", stolen.body);
    assert_eq!(
        stolen.body["errors"][0]["extensions"]["code"],
        "INVALID_CREDENTIALS"
    );

    // An account of its own (a password one, unverified) is Directus's
    // INVALID_PROVIDER, on the page or in JSON.
    let registered = server
        .post(
            "/api/auth/register",
            json!({ "email": "local@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let who = [("email", "local@example.com"), ("sub", "local")];
    let on_page = Browser::new(&server).login(DIRECTUS_START, &who).await;
    assert_eq!(
        on_page.location(),
        "https://app.test/admin?reason=INVALID_PROVIDER"
    );
    let in_json = Browser::new(&server).login(start, &who).await;
    assert_eq!(in_json.status, StatusCode::FORBIDDEN);
    assert_eq!(
        in_json.body["errors"][0]["extensions"]["code"],
        "INVALID_PROVIDER"
    );

    // The native flow still needs a page to return to.
    let native = Browser::new(&server)
        .get("http://api.test/api/auth/oidc")
        .await;
    assert_eq!(native.status, StatusCode::BAD_REQUEST);
}
