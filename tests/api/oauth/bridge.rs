//! The cookie bridge and the code bridge: how a finished login reaches
//! the app, in cookies, in the app's callback, or as a one-time code.

use portcullis::AuthConfig;
use portcullis::oauth::OidcProvider;
use reqwest::StatusCode;
use serde_json::json;

use super::{Browser, START, Visit, client, config, param, provider, server_with};
use crate::common::{Backing, Mail, Server};
use crate::mfa::amr;

#[tokio::test]
async fn an_oidc_login_sets_cookies_through_the_bridge_and_finds_the_same_account_again() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let mut browser = Browser::new(&server);

    let started = browser.get(START).await;
    assert_eq!(started.status, StatusCode::FOUND);
    let to_provider = started.location();
    assert!(to_provider.starts_with(&provider.issuer), "{to_provider}");
    assert_eq!(
        param(to_provider, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(param(to_provider, "code_challenge").is_some());
    assert!(param(to_provider, "nonce").is_some());
    assert!(param(to_provider, "state").is_some());
    let flow = &started.set_cookies[0];
    assert!(flow.starts_with("portcullis_oauth_oidc="), "{flow}");
    assert!(
        flow.contains("HttpOnly") && flow.contains("SameSite=Lax"),
        "{flow}"
    );

    let back = browser.get(to_provider).await;
    let landed = browser.get(back.location()).await;
    assert_eq!(landed.status, StatusCode::FOUND, "{}", landed.body);
    let bridge = landed.location();
    assert!(
        bridge.starts_with("https://app.test/api/auth/set-cookies?"),
        "{bridge}"
    );
    assert_eq!(param(bridge, "loginProvider").as_deref(), Some("oidc"));
    assert_eq!(
        param(bridge, "redirect").as_deref(),
        Some("https://app.test/dashboard")
    );
    assert!(param(bridge, "expTime").is_some());
    assert!(
        browser
            .cookie("http://api.test", "portcullis_oauth_oidc")
            .is_none(),
        "the flow cookie is cleared"
    );

    let home = browser.get(bridge).await;
    assert_eq!(home.status, StatusCode::FOUND, "{}", home.body);
    assert_eq!(home.location(), "https://app.test/dashboard");
    assert!(
        browser
            .cookie("https://app.test", "portcullis_refresh")
            .is_some()
    );
    let me = browser.get("https://app.test/api/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["data"]["email"], "pat@example.com");
    assert_eq!(me.body["data"]["name"], "Pat Person");
    let id = me.body["data"]["id"].clone();

    let replayed = Browser::new(&server).get(bridge).await;
    assert_eq!(
        replayed.error().as_deref(),
        Some("invalid_token"),
        "the bridge URL works once"
    );
    let refresh = server
        .request(reqwest::Method::POST, "/api/auth/refresh-token")
        .header(
            "cookie",
            &format!(
                "portcullis_refresh={}",
                browser
                    .cookie("https://app.test", "portcullis_refresh")
                    .expect("cookie")
            ),
        )
        .header("origin", &server.base)
        .send()
        .await;
    assert_eq!(
        refresh.status,
        StatusCode::UNAUTHORIZED,
        "a replayed bridge URL is reuse: the session ends ({})",
        refresh.body
    );

    let mut other = Browser::new(&server);
    let again = other.login(START, &[]).await;
    other.get(again.location()).await;
    let me = other.get("https://app.test/api/me").await;
    assert_eq!(me.body["data"]["id"], id, "the identity stays linked");
}

#[tokio::test]
async fn the_bridge_takes_only_a_fresh_pair_of_one_external_login() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let bridge = |access: &str, refresh: &str| {
        format!(
            "https://app.test/api/auth/set-cookies?accessToken={access}&refreshToken={refresh}&redirect=https%3A%2F%2Fapp.test%2Fhome"
        )
    };
    let refused = |visit: &Visit| {
        assert_eq!(visit.status, StatusCode::FOUND);
        assert_eq!(visit.error().as_deref(), Some("invalid_token"));
        assert!(
            visit.set_cookies.is_empty(),
            "no cookies: {:?}",
            visit.set_cookies
        );
    };

    // A password login's pair (anyone can get one for their own account):
    // sending it to a victim must not sign the victim in (login CSRF).
    server.user("mallory@example.com", "user").await;
    let (access, refresh) = server.tokens("mallory@example.com").await;
    refused(&Browser::new(&server).get(&bridge(&access, &refresh)).await);

    // Two external logins' tokens, crossed.
    let mut first = Browser::new(&server);
    let one = first.login(START, &[]).await;
    let mut second = Browser::new(&server);
    let two = second.login(START, &[]).await;
    let crossed = bridge(
        &param(one.location(), "accessToken").expect("access"),
        &param(two.location(), "refreshToken").expect("refresh"),
    );
    refused(&Browser::new(&server).get(&crossed).await);

    // A pair older than `oauth.bridge_ttl`.
    server.advance(3 * 60);
    refused(&Browser::new(&server).get(two.location()).await);
}

#[tokio::test]
async fn the_bridge_age_limit_ends_at_its_exact_lifetime() {
    let provider = provider().await;
    let config = config();
    let lifetime = config.oauth.bridge_ttl.as_secs();
    let server = server_with(&provider, config).await;

    let just_in_time = Browser::new(&server).login(START, &[]).await;
    server.advance(lifetime - 1);
    let taken = Browser::new(&server).get(just_in_time.location()).await;
    assert_eq!(taken.error(), None, "one second before the end it is taken");
    assert!(!taken.set_cookies.is_empty(), "{:?}", taken.set_cookies);

    let on_the_dot = Browser::new(&server).login(START, &[]).await;
    server.advance(lifetime);
    let refused = Browser::new(&server).get(on_the_dot.location()).await;
    assert_eq!(refused.error().as_deref(), Some("invalid_token"));
    assert!(refused.set_cookies.is_empty(), "{:?}", refused.set_cookies);
}

#[tokio::test]
async fn a_third_app_gets_its_cookies_through_its_proxy_prefix() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let mut browser = Browser::new(&server);
    let start = "http://api.test/api/auth/oidc?redirect=https%3A%2F%2Fchat.test%2Fchat&cookieBridgePrefix=%2Fenfyra";
    let landed = browser.login(start, &[]).await;
    let bridge = landed.location();
    assert!(
        bridge.starts_with("https://chat.test/enfyra/auth/set-cookies?"),
        "{bridge}"
    );
    let home = browser.get(bridge).await;
    assert_eq!(home.location(), "https://chat.test/chat");
    let me = browser.get("https://chat.test/enfyra/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
}

#[tokio::test]
async fn without_auto_cookies_the_tokens_go_to_the_app_callback() {
    let provider = provider().await;
    let mut client = client("oidc");
    client.auto_set_cookies = false;
    client.app_callback_url = Some("https://client.test/oauth/callback".into());
    let oidc = OidcProvider::new(client, &provider.issuer).expect("oidc");
    let server = Server::start_custom(config(), Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(oidc)
    })
    .await;
    let mut browser = Browser::new(&server);
    let landed = browser.login(START, &[]).await;
    let target = landed.location();
    assert!(
        target.starts_with("https://client.test/oauth/callback?"),
        "{target}"
    );
    assert_eq!(
        param(target, "redirect").as_deref(),
        Some("https://app.test/dashboard")
    );
    let access = param(target, "accessToken").expect("accessToken");
    assert!(param(target, "refreshToken").is_some());
    let me = server
        .request(reqwest::Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(amr(&access), json!(["fed"]));
}

/// The configuration of the tests, with the recommended bridge: codes.
fn code_config() -> AuthConfig {
    let mut config = config();
    config.oauth.bridge = portcullis::config::OAuthBridge::Code;
    config
}

#[tokio::test]
async fn the_code_bridge_carries_no_token_in_any_url() {
    let provider = provider().await;
    let server = server_with(&provider, code_config()).await;
    let mut browser = Browser::new(&server);
    let landed = browser.login(START, &[]).await;
    let bridge = landed.location().to_owned();
    assert!(
        bridge.starts_with("https://app.test/api/auth/set-cookies?"),
        "{bridge}"
    );
    assert!(param(&bridge, "code").is_some(), "{bridge}");
    assert!(
        param(&bridge, "accessToken").is_none() && param(&bridge, "refreshToken").is_none(),
        "no token in the URL: {bridge}"
    );
    let me = browser.me_after(&landed).await;
    assert_eq!(me["email"], "pat@example.com");
    let replay = Browser::new(&server).get(&bridge).await;
    assert_eq!(
        replay.error().as_deref(),
        Some("invalid_token"),
        "a code works once"
    );

    let late = Browser::new(&server).login(START, &[]).await;
    server.advance(3 * 60);
    let expired = Browser::new(&server).get(late.location()).await;
    assert_eq!(
        expired.error().as_deref(),
        Some("invalid_token"),
        "and not for long"
    );

    let tokens = "https://app.test/api/auth/set-cookies?accessToken=a&refreshToken=b&redirect=https%3A%2F%2Fapp.test%2F";
    let refused = Browser::new(&server).get(tokens).await;
    assert_eq!(
        refused.error().as_deref(),
        Some("invalid_token"),
        "tokens in a URL are refused where the bridge carries codes"
    );
}

#[tokio::test]
async fn an_app_server_redeems_the_code_once_for_the_tokens() {
    let provider = provider().await;
    let mut client = client("oidc");
    client.auto_set_cookies = false;
    client.app_callback_url = Some("https://client.test/oauth/callback".into());
    let oidc = OidcProvider::new(client, &provider.issuer).expect("oidc");
    let server = Server::start_custom(code_config(), Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(oidc)
    })
    .await;
    let landed = Browser::new(&server).login(START, &[]).await;
    let target = landed.location();
    assert!(
        target.starts_with("https://client.test/oauth/callback?"),
        "{target}"
    );
    assert!(param(target, "accessToken").is_none(), "{target}");
    let code = param(target, "code").expect("code");
    let redeemed = server
        .post("/api/auth/redeem", json!({ "code": code }))
        .await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.body);
    assert_eq!(redeemed.headers["cache-control"], "no-store");
    let access = redeemed.data()["accessToken"].as_str().expect("a token");
    let me = server
        .request(reqwest::Method::GET, "/api/me")
        .bearer(access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(amr(access), json!(["fed"]));
    let again = server
        .post("/api/auth/redeem", json!({ "code": code }))
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "once only");
}
