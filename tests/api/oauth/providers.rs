//! What providers say and how it is checked: ID tokens, userinfo, GitHub
//! and Facebook profiles, refusals and outages, a provider of the app's own.

use std::time::Duration;

use portcullis::oauth::{
    AuthorizationRequest, CodeExchange, FacebookProvider, Grant, OAuthError, OAuthProvider,
    OidcProvider, Profile, ProviderConfig,
};
use reqwest::StatusCode;
use serde_json::json;
use url::Url;

use super::{Browser, START, client, config, github, param, provider, server_built, server_with};
use crate::common::{Backing, Mail, Server};

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
    let server = server_built(&provider, config(), |b| {
        b.oauth_provider(down)
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
