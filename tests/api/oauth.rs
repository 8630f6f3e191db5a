//! Logins through OAuth / OpenID Connect providers, against a real provider
//! on loopback: `oauth2-mock-server` run by Node (`tests/oauth/provider.mjs`,
//! installed by `scripts/test`), with GitHub- and Facebook-shaped user APIs.
//!
//! The test plays the browser: it follows each redirect by hand and keeps
//! cookies per origin. `http://api.test` is the portcullis server itself;
//! `https://app.test` proxies `/api/**` to it, and `https://chat.test` (a
//! third app) proxies `/enfyra/**` to its `/api/**`.

use std::collections::HashMap;
use std::time::Duration;

use portcullis::oauth::{
    AuthorizationRequest, CodeExchange, FacebookProvider, GitHubProvider, Grant, OAuthError,
    OAuthProvider, OidcProvider, Profile, ProviderConfig,
};
use portcullis::{AuthConfig, NewAccount};
use reqwest::StatusCode;
use serde_json::{Value, json};
use url::Url;

use crate::common::{Backing, Mail, PASSWORD, Server, test_config};
use crate::mfa::{amr, code_at, enable, now, verify};

#[path = "../oauth/provider.rs"]
mod provider;
use provider::{Provider, provider};

fn config() -> AuthConfig {
    let mut config = test_config();
    config.oauth.redirect_origins = vec!["https://app.test".into(), "https://chat.test".into()];
    config
}

fn client(name: &str) -> ProviderConfig {
    let mut config = ProviderConfig::new(
        name,
        "portcullis-test",
        "client secret",
        format!("http://api.test/api/auth/{name}/callback"),
    );
    config.timeout = Duration::from_secs(5);
    config
}

/// The GitHub preset against the loopback provider's authorize endpoint,
/// `token_url`, and its GitHub-shaped user API.
fn github(provider: &Provider, config: ProviderConfig, token_url: &str) -> GitHubProvider {
    GitHubProvider::with_endpoints(
        config,
        &format!("{}/authorize", provider.issuer),
        token_url,
        &format!("{}/github", provider.api),
    )
    .expect("github")
}

/// A server with the OpenID Connect provider as `oidc`.
async fn server_with(provider: &Provider, config: AuthConfig) -> Server {
    let oidc = OidcProvider::new(client("oidc"), &provider.issuer).expect("oidc");
    Server::start_custom(config, Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(oidc)
    })
    .await
}

/// One page visit: the status, where it points next, and its cookies.
struct Visit {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    body: Value,
}

impl Visit {
    fn location(&self) -> &str {
        self.location.as_deref().expect("a redirect")
    }

    /// The `error` a redirect back to the app carries.
    fn error(&self) -> Option<String> {
        param(self.location(), "error")
    }
}

/// A browser: no automatic redirects, a cookie jar per origin, and the
/// test's fake origins routed to the server.
struct Browser<'a> {
    server: &'a Server,
    http: reqwest::Client,
    jars: HashMap<String, HashMap<String, String>>,
}

impl<'a> Browser<'a> {
    fn new(server: &'a Server) -> Self {
        Self {
            server,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            jars: HashMap::new(),
        }
    }

    /// Where a URL really goes: the fake origins are the server.
    fn route(&self, url: &Url) -> String {
        let path_and_query = &url[url::Position::BeforePath..];
        match url.origin().ascii_serialization().as_str() {
            "http://api.test" | "https://app.test" => {
                format!("{}{path_and_query}", self.server.base)
            }
            "https://chat.test" => {
                let rest = path_and_query
                    .strip_prefix("/enfyra/")
                    .expect("chat.test proxies /enfyra/ only");
                format!("{}/api/{rest}", self.server.base)
            }
            _ => url.to_string(),
        }
    }

    async fn get(&mut self, url: &str) -> Visit {
        let url = Url::parse(url).expect("an absolute URL");
        let origin = url.origin().ascii_serialization();
        let mut request = self.http.get(self.route(&url));
        if let Some(jar) = self.jars.get(&origin).filter(|j| !j.is_empty()) {
            let header: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", header.join("; "));
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect();
        let jar = self.jars.entry(origin).or_default();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().expect("pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || cookie.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let text = response.text().await.expect("body");
        Visit {
            status,
            location,
            set_cookies,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// Starts a login at `start` (a URL), signs in at the provider as `who`
    /// (query parameters for the provider's page), and visits the callback.
    async fn login(&mut self, start: &str, who: &[(&str, &str)]) -> Visit {
        let started = self.get(start).await;
        assert_eq!(started.status, StatusCode::FOUND, "{}", started.body);
        let mut at_provider = Url::parse(started.location()).expect("provider URL");
        at_provider.query_pairs_mut().extend_pairs(who);
        let back = self.get(at_provider.as_str()).await;
        assert_eq!(back.status, StatusCode::FOUND, "{}", back.body);
        self.get(back.location()).await
    }

    /// Follows a landing through the cookie bridge and returns the user
    /// that `https://app.test/api/me` then answers with.
    async fn me_after(&mut self, landed: &Visit) -> Value {
        self.get(landed.location()).await;
        let me = self.get("https://app.test/api/me").await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.body);
        me.body["data"].clone()
    }

    fn cookie(&self, origin: &str, name: &str) -> Option<&String> {
        self.jars.get(origin)?.get(name)
    }
}

fn param(url: &str, key: &str) -> Option<String> {
    Url::parse(url)
        .expect("URL")
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

const START: &str = "http://api.test/api/auth/oidc?redirect=https%3A%2F%2Fapp.test%2Fdashboard";

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

#[tokio::test]
async fn an_account_without_a_password_enrols_mfa_only_soon_after_signing_in() {
    let provider = provider().await;
    let mut client = client("oidc");
    client.auto_set_cookies = false;
    client.app_callback_url = Some("https://client.test/oauth/callback".into());
    let oidc = OidcProvider::new(client, &provider.issuer).expect("oidc");
    let server = Server::start_custom(config(), Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(oidc)
    })
    .await;
    let landed = Browser::new(&server).login(START, &[]).await;
    let access = param(landed.location(), "accessToken").expect("accessToken");
    let refresh = param(landed.location(), "refreshToken").expect("refreshToken");
    let enrol = |access: String| {
        let server = &server;
        async move {
            server
                .request(reqwest::Method::POST, "/api/auth/enable-mfa")
                .bearer(&access)
                .json(json!({}))
                .send()
                .await
        }
    };
    let fresh = enrol(access).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    server.advance(6 * 60);
    let refreshed = server.refresh(&refresh).await;
    let access = refreshed.data()["accessToken"]
        .as_str()
        .expect("a refreshed token")
        .to_owned();
    let stale = enrol(access).await;
    assert_eq!(
        stale.status,
        StatusCode::FORBIDDEN,
        "a refresh is no new sign-in: {}",
        stale.body
    );
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

#[tokio::test]
async fn redirects_off_the_allow_list_are_refused_before_anything_happens() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let mut browser = Browser::new(&server);
    for redirect in [
        "",
        "/dashboard",
        "//evil.test/x",
        "https://evil.test/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://app.test@evil.test/",
        "https://evil.test\\@app.test/",
        "https://app.test.evil.test/",
        "https://user:pw@app.test/",
        "https://user@app.test/",
        "https://:pw@app.test/",
        "ftp://app.test/",
        // Of the allowed origin, as a blob URL takes its page's.
        "blob:https://app.test/dashboard",
    ] {
        let start = format!(
            "http://api.test/api/auth/oidc?redirect={}",
            urlencode(redirect)
        );
        let visit = browser.get(&start).await;
        assert_eq!(visit.status, StatusCode::BAD_REQUEST, "{redirect}");
        assert_eq!(visit.body["code"], "VALIDATION", "{redirect}");
        assert!(visit.location.is_none() && visit.set_cookies.is_empty());
    }
    // The longest redirect allowed, and one character more.
    let page = "https://app.test/";
    let longest = format!("{page}{}", "a".repeat(2048 - page.len()));
    assert!(server.auth.check_redirect(None, &longest).is_ok());
    assert!(
        server
            .auth
            .check_redirect(None, &format!("{longest}a"))
            .is_err()
    );
    let prefixed = format!("{START}&cookieBridgePrefix=%2F%2Fevil.test");
    assert_eq!(browser.get(&prefixed).await.status, StatusCode::BAD_REQUEST);
    let bridge = "https://app.test/api/auth/set-cookies?accessToken=a&refreshToken=b&redirect=https%3A%2F%2Fevil.test";
    assert_eq!(browser.get(bridge).await.status, StatusCode::BAD_REQUEST);
    let unknown = browser
        .get("http://api.test/api/auth/nobody?redirect=https%3A%2F%2Fapp.test")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

/// A verified account with MFA on; returns its TOTP secret. The clock is
/// then moved a step on, so that the next code is a fresh one.
async fn mfa_user(server: &Server, email: &str) -> String {
    verified_user(server, email).await;
    let (access, _) = server.tokens(email).await;
    let secret = enable(server, &access).await.data()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let confirmed = verify(server, &access, &code_at(&secret, now(server))).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    server.advance(30);
    secret
}

/// A password account whose address is verified.
async fn verified_user(server: &Server, email: &str) -> String {
    let mut account = NewAccount::new(email, PASSWORD, "user");
    account.email_verified = true;
    server.auth.create_user(account).await.expect("user").id
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn the_state_belongs_to_one_browser_and_works_once() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;

    // No flow cookie: no PKCE verifier, no nonce, nowhere safe to go.
    let mut browser = Browser::new(&server);
    let started = browser.get(START).await;
    let back = browser.get(started.location()).await;
    let mut stranger = Browser::new(&server);
    let lost = stranger.get(back.location()).await;
    assert_eq!(lost.status, StatusCode::BAD_REQUEST, "{}", lost.body);
    assert_eq!(lost.body["field"], "state");

    // Another state than this browser's.
    let mut forged = Url::parse(back.location()).expect("url");
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let cookie = browser
        .cookie("http://api.test", "portcullis_oauth_oidc")
        .expect("flow cookie")
        .clone();
    let mismatch = browser.get(forged.as_str()).await;
    assert_eq!(mismatch.error().as_deref(), Some("invalid_state"));
    assert!(
        browser
            .cookie("http://api.test", "portcullis_oauth_oidc")
            .is_none(),
        "a failed callback clears the flow cookie too"
    );

    // The real callback works, and replaying it (cookie and all) does not.
    let plant = |browser: &mut Browser<'_>| {
        browser
            .jars
            .entry("http://api.test".into())
            .or_default()
            .insert("portcullis_oauth_oidc".into(), cookie.clone());
    };
    plant(&mut browser);
    let landed = browser.get(back.location()).await;
    assert!(
        landed.location().contains("/auth/set-cookies?"),
        "{}",
        landed.location()
    );
    plant(&mut browser);
    let replay = browser.get(back.location()).await;
    assert_eq!(replay.error().as_deref(), Some("invalid_state"));

    // A flow older than its lifetime.
    let mut slow = Browser::new(&server);
    let started = slow.get(START).await;
    let back = slow.get(started.location()).await;
    server.advance(11 * 60);
    let late = slow.get(back.location()).await;
    assert_eq!(late.error().as_deref(), Some("invalid_state"));
}

#[tokio::test]
async fn id_tokens_are_checked_and_a_bad_one_signs_nobody_in() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    for scenario in [
        "wrong_nonce",
        "no_nonce",
        "other_issuer",
        "other_audience",
        "expired",
        "unknown_key",
        "no_id_token",
        "bad_signature",
    ] {
        let mut browser = Browser::new(&server);
        let email = format!("{scenario}@example.com");
        let landed = browser
            .login(
                START,
                &[("scenario", scenario), ("email", &email), ("sub", scenario)],
            )
            .await;
        assert!(
            landed.location().starts_with("https://app.test/dashboard?"),
            "{scenario}: {}",
            landed.location()
        );
        assert_eq!(
            landed.error().as_deref(),
            Some("invalid_id_token"),
            "{scenario}"
        );
        assert!(param(landed.location(), "accessToken").is_none());
        let user = server.auth.find_user_by_email(&email).await.expect("store");
        assert!(user.is_none(), "{scenario}: no account was created");
    }
}

#[tokio::test]
async fn an_id_token_without_email_is_completed_from_userinfo() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[
                ("scenario", "no_email"),
                ("email", "info@example.com"),
                ("sub", "info"),
            ],
        )
        .await;
    assert!(
        landed.location().contains("/auth/set-cookies?"),
        "{}",
        landed.location()
    );
    let me = browser.me_after(&landed).await;
    assert_eq!(me["email"], "info@example.com");
}

#[tokio::test]
async fn accounts_link_only_through_verified_addresses() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;

    // The provider does not vouch for the address: no account, no link.
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[("email", "new@example.com"), ("email_verified", "false")],
        )
        .await;
    assert_eq!(landed.error().as_deref(), Some("email_not_verified"));
    assert!(
        server
            .auth
            .find_user_by_email("new@example.com")
            .await
            .unwrap()
            .is_none()
    );

    // An existing account whose owner never proved the address: not linked
    // (whoever registered it first must not get the provider's person).
    server.self_registered("squatted@example.com").await;
    let landed = Browser::new(&server)
        .login(
            START,
            &[("email", "squatted@example.com"), ("sub", "victim")],
        )
        .await;
    assert_eq!(landed.error().as_deref(), Some("account_not_linked"));

    // A verified account with the same address is linked; having no name,
    // it takes the provider's.
    let id = verified_user(&server, "ada@example.com").await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[
                ("email", "ada@example.com"),
                ("sub", "ada"),
                ("name", "Ada Lovelace"),
            ],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["id"], json!(id));
    assert_eq!(
        me["name"], "Ada Lovelace",
        "the provider's name, as it had none"
    );

    // A deactivated account stays out.
    server
        .auth
        .set_user_active(&id, false)
        .await
        .expect("deactivate");
    let landed = Browser::new(&server)
        .login(START, &[("email", "ada@example.com"), ("sub", "ada")])
        .await;
    assert_eq!(landed.error().as_deref(), Some("account_disabled"));
}

#[tokio::test]
async fn an_account_with_a_name_keeps_it_whatever_the_provider_says() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let id = server.user("ada@example.com", "user").await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[
                ("email", "ada@example.com"),
                ("sub", "ada"),
                ("name", "Someone Else"),
            ],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["id"], json!(id));
    assert_eq!(me["name"], "Test User");
}

#[tokio::test]
async fn with_signups_closed_only_existing_accounts_sign_in() {
    let provider = provider().await;
    let mut config = config();
    config.oauth.create_users = false;
    let server = server_with(&provider, config).await;
    let landed = Browser::new(&server)
        .login(START, &[("email", "new@example.com"), ("sub", "new")])
        .await;
    assert_eq!(landed.error().as_deref(), Some("signup_closed"));
    assert!(
        server
            .auth
            .find_user_by_email("new@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let id = verified_user(&server, "ada@example.com").await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(START, &[("email", "ada@example.com"), ("sub", "ada")])
        .await;
    assert_eq!(browser.me_after(&landed).await["id"], json!(id));
}

#[tokio::test]
async fn provider_refusals_and_outages_come_back_as_redirects() {
    let provider = provider().await;
    // A provider that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_url = format!("http://{}", silent.local_addr().expect("addr"));
    let mut down = client("down");
    down.timeout = Duration::from_millis(300);
    let down = OidcProvider::new(down, &silent_url).expect("down");
    let mut slow_token = client("slowtoken");
    slow_token.timeout = Duration::from_millis(300);
    let slow_token = github(&provider, slow_token, &format!("{silent_url}/token"));
    // A provider where nothing listens: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let refused_provider = OidcProvider::new(client("closed"), &closed_url).expect("closed");
    let oidc = OidcProvider::new(client("oidc"), &provider.issuer).expect("oidc");
    let server = Server::start_custom(config(), Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(oidc)
            .oauth_provider(down)
            .oauth_provider(slow_token)
            .oauth_provider(refused_provider)
    })
    .await;

    let denied = Browser::new(&server)
        .login(START, &[("scenario", "deny")])
        .await;
    assert_eq!(denied.error().as_deref(), Some("access_denied"));
    let refused = Browser::new(&server)
        .login(START, &[("scenario", "token_error")])
        .await;
    assert_eq!(refused.error().as_deref(), Some("provider_error"));
    let flooded = Browser::new(&server)
        .login(START, &[("scenario", "huge_answer")])
        .await;
    assert_eq!(
        flooded.error().as_deref(),
        Some("provider_error"),
        "a token answer over 1 MiB is refused, not buffered"
    );

    let mut browser = Browser::new(&server);
    for name in ["down", "closed"] {
        let start = browser
            .get(&format!(
                "http://api.test/api/auth/{name}?redirect=https%3A%2F%2Fapp.test%2Fhome"
            ))
            .await;
        assert_eq!(start.status, StatusCode::FOUND, "{name}");
        assert_eq!(
            start.location(),
            "https://app.test/home?error=provider_unavailable",
            "{name}"
        );
    }
    let landed = browser
        .login(
            "http://api.test/api/auth/slowtoken?redirect=https%3A%2F%2Fapp.test%2Fhome",
            &[],
        )
        .await;
    assert_eq!(landed.error().as_deref(), Some("provider_unavailable"));
}

#[tokio::test]
async fn github_trusts_only_the_verified_primary_address_and_facebook_its_email() {
    let provider = provider().await;
    let github = github(
        &provider,
        client("github"),
        &format!("{}/token", provider.issuer),
    );
    let facebook = FacebookProvider::with_endpoints(
        client("facebook"),
        &format!("{}/authorize", provider.issuer),
        &format!("{}/token", provider.issuer),
        &format!("{}/facebook", provider.api),
    )
    .expect("facebook");
    let server = Server::start_custom(config(), Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(github).oauth_provider(facebook)
    })
    .await;
    let start = |name: &str| {
        format!("http://api.test/api/auth/{name}?redirect=https%3A%2F%2Fapp.test%2Fhome")
    };

    let unverified = Browser::new(&server)
        .login(
            &start("github"),
            &[("email", "gh@example.com"), ("email_verified", "false")],
        )
        .await;
    assert_eq!(unverified.error().as_deref(), Some("email_not_verified"));
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            &start("github"),
            &[("email", "gh@example.com"), ("sub", "77")],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["email"], "gh@example.com");

    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            &start("facebook"),
            &[("email", "fb@example.com"), ("sub", "1001")],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["email"], "fb@example.com");
    let no_email = Browser::new(&server)
        .login(
            &start("facebook"),
            &[("scenario", "no_email"), ("sub", "1002")],
        )
        .await;
    assert_eq!(no_email.error().as_deref(), Some("email_missing"));

    let listed = server
        .request(reqwest::Method::GET, "/api/auth/providers")
        .send()
        .await;
    assert_eq!(listed.data(), &json!(["github", "facebook"]));
}

#[tokio::test]
async fn a_user_with_mfa_gets_an_mfa_token_and_finishes_with_a_code() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let secret = mfa_user(&server, "mfa@example.com").await;

    let mut browser = Browser::new(&server);
    let landed = browser
        .login(START, &[("email", "mfa@example.com"), ("sub", "mfa")])
        .await;
    let target = landed.location();
    assert!(
        target.starts_with("https://app.test/dashboard?"),
        "{target}"
    );
    assert!(param(target, "accessToken").is_none());
    let mfa_token = param(target, "mfaToken").expect("mfaToken");

    server.advance(30);
    let code = code_at(&secret, now(&server));
    let finished = server
        .post(
            "/api/auth/verify-mfa",
            json!({ "mfaToken": mfa_token, "code": code }),
        )
        .await;
    assert_eq!(finished.status, StatusCode::OK, "{}", finished.body);
    let cookie = finished
        .set_cookie("portcullis_access")
        .expect("a bridged login finishes with cookies");
    let access = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.strip_prefix("portcullis_access="))
        .expect("the access token");
    assert_eq!(
        amr(access),
        json!(["fed", "otp"]),
        "the token records both factors, the provider first"
    );
}

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

#[tokio::test]
async fn starts_are_throttled_per_ip_but_finished_logins_take_their_charge_back() {
    let provider = provider().await;
    let mut config = config();
    config.throttles.ip.limit = 3;
    let server = server_with(&provider, config).await;
    for _ in 0..5 {
        let landed = Browser::new(&server).login(START, &[]).await;
        assert!(
            landed.location().contains("/auth/set-cookies?"),
            "{}",
            landed.location()
        );
    }
    for _ in 0..3 {
        let abandoned = Browser::new(&server).get(START).await;
        assert_eq!(abandoned.status, StatusCode::FOUND);
    }
    let limited = Browser::new(&server).get(START).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(limited.body["code"], "RATE_LIMITED");
}

#[tokio::test]
async fn the_flow_cookie_stays_on_its_host_whatever_the_cookie_domain() {
    let provider = provider().await;
    let mut settings = config();
    settings.web.cookies.secure = true;
    settings.web.cookies.domain = Some("api.test".into());
    settings.web.cookies.path = "/api".into();
    let server = server_with(&provider, settings).await;
    let mut browser = Browser::new(&server);

    let started = browser.get(START).await;
    let flow = &started.set_cookies[0];
    assert!(flow.starts_with("__Host-portcullis_oauth_oidc="), "{flow}");
    assert!(
        flow.contains("Secure") && flow.contains("Path=/;") && !flow.contains("Domain"),
        "no sibling host receives or plants it: {flow}"
    );
    let back = browser.get(started.location()).await;
    let landed = browser.get(back.location()).await;
    assert!(
        landed.location().contains("/auth/set-cookies?"),
        "{}",
        landed.location()
    );
    let cleared = landed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-portcullis_oauth_oidc="))
        .expect("the flow cookie is cleared");
    assert!(
        cleared.contains("Max-Age=0") && !cleared.contains("Domain"),
        "{cleared}"
    );
}

#[tokio::test]
async fn provider_profiles_are_checked_like_anyone_elses() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;

    let malformed = Browser::new(&server)
        .login(START, &[("email", "not an address"), ("sub", "odd")])
        .await;
    assert_eq!(malformed.error().as_deref(), Some("email_missing"));

    let long_name = "N".repeat(1000);
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            START,
            &[
                ("email", "named@example.com"),
                ("sub", "named"),
                ("name", &long_name),
            ],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["email"], "named@example.com");
    assert_eq!(me["name"], Value::Null, "an overlong name is dropped");
}

const DIRECTUS_START: &str =
    "http://api.test/directus/auth/login/oidc?redirect=https%3A%2F%2Fapp.test%2Fadmin%3Ftab%3D1";

#[tokio::test]
async fn directus_logins_take_the_code_up_front_and_answer_in_directus_terms() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let secret = mfa_user(&server, "dxmfa@example.com").await;
    let who = [("email", "dxmfa@example.com"), ("sub", "dxmfa")];

    // No code: Directus has no second step, and says why (its query
    // replaced); no MFA challenge is left in the store.
    let challenge_ttl = config().mfa.challenge_ttl + Duration::from_secs(1);
    server.clock.advance(challenge_ttl);
    server.auth.purge_expired().await.expect("purge");
    let without = Browser::new(&server).login(DIRECTUS_START, &who).await;
    server.clock.advance(challenge_ttl);
    assert_eq!(
        server.auth.purge_expired().await.expect("purge"),
        0,
        "a one-step login writes no MFA challenge"
    );
    assert_eq!(
        without.location(),
        "https://app.test/admin?reason=INVALID_OTP"
    );
    let wrong = Browser::new(&server)
        .login(&format!("{DIRECTUS_START}&otp=000000"), &who)
        .await;
    assert_eq!(
        wrong.location(),
        "https://app.test/admin?reason=INVALID_OTP"
    );

    let code = code_at(&secret, now(&server));
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(&format!("{DIRECTUS_START}&otp={code}"), &who)
        .await;
    assert_eq!(landed.location(), "https://app.test/admin?tab=1");
    let session = browser
        .cookie("http://api.test", "directus_session_token")
        .expect("session cookie");
    assert_eq!(amr(session), json!(["fed", "otp"]));

    for bad in [
        "http://api.test/directus/auth/login/oidc?redirect=https%3A%2F%2Fevil.test".to_owned(),
        format!("{DIRECTUS_START}&otp={}", "1".repeat(5000)),
    ] {
        let refused = Browser::new(&server).get(&bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.body["errors"][0]["extensions"]["code"],
            "INVALID_PAYLOAD"
        );
    }
}

#[tokio::test]
async fn wrong_codes_up_front_lock_the_account_like_any_other_guess() {
    let provider = provider().await;
    let mut settings = config();
    settings.throttles.account.limit = 2;
    let server = server_with(&provider, settings).await;
    mfa_user(&server, "guessed@example.com").await;
    let who = [("email", "guessed@example.com"), ("sub", "guessed")];

    for _ in 0..2 {
        let wrong = Browser::new(&server)
            .login(&format!("{DIRECTUS_START}&otp=000000"), &who)
            .await;
        assert_eq!(
            wrong.location(),
            "https://app.test/admin?reason=INVALID_OTP"
        );
    }
    let locked = Browser::new(&server)
        .login(&format!("{DIRECTUS_START}&otp=000000"), &who)
        .await;
    assert_eq!(
        locked.location(),
        "https://app.test/admin?reason=REQUESTS_EXCEEDED",
        "a redirect back, not an error page on the API's origin"
    );
    let in_json = Browser::new(&server)
        .login("http://api.test/directus/auth/login/oidc?otp=000000", &who)
        .await;
    assert_eq!(in_json.status, StatusCode::TOO_MANY_REQUESTS);
    let error = &in_json.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "REQUESTS_EXCEEDED");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("retry after")),
        "{error}"
    );
}

/// A provider of the application's own, written outside the crate: the
/// trait and the public constructors are enough.
struct Corporate {
    config: ProviderConfig,
    authorize: String,
}

#[async_trait::async_trait]
impl OAuthProvider for Corporate {
    fn config(&self) -> &ProviderConfig {
        &self.config
    }

    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<Url, OAuthError> {
        let mut url =
            Url::parse(&self.authorize).map_err(|e| OAuthError::Provider(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_uri)
            .append_pair("state", &request.state);
        Ok(url)
    }

    async fn exchange_code(&self, exchange: &CodeExchange) -> Result<Grant, OAuthError> {
        Ok(Grant::new(format!("corp-token-{}", exchange.code)))
    }

    async fn profile(&self, grant: &Grant) -> Result<Profile, OAuthError> {
        assert!(grant.access_token.starts_with("corp-token-"));
        let mut profile = Profile::new("employee-7");
        profile.email = Some("employee@corp.example".into());
        profile.email_verified = true;
        profile.name = Some("Emp Loyee".into());
        Ok(profile)
    }
}

#[tokio::test]
async fn an_application_can_bring_its_own_provider() {
    let provider = provider().await;
    let corporate = Corporate {
        config: client("corp"),
        authorize: format!("{}/authorize", provider.issuer),
    };
    let server = Server::start_custom(config(), Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(corporate)
    })
    .await;
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(
            "http://api.test/api/auth/corp?redirect=https%3A%2F%2Fapp.test%2Fhome",
            &[],
        )
        .await;
    let me = browser.me_after(&landed).await;
    assert_eq!(me["email"], "employee@corp.example");
}
