//! Logins through OAuth / OpenID Connect providers, against a real provider
//! on loopback: `oauth2-mock-server` run by Node (`tests/oauth/provider.mjs`,
//! installed by `scripts/test`), with GitHub- and Facebook-shaped user APIs.
//!
//! The test plays the browser: it follows each redirect by hand and keeps
//! cookies per origin. `http://api.test` is the portcullis server itself;
//! `https://app.test` proxies `/api/**` to it, and `https://chat.test` (a
//! third app) proxies `/enfyra/**` to its `/api/**`.
//!
//! Each file holds one part of the flow; this one, the provider, the
//! browser and the helpers they share.

use std::collections::HashMap;
use std::time::Duration;

use portcullis::oauth::{GitHubProvider, OidcProvider, ProviderConfig};
use portcullis::{AuthBuilder, AuthConfig, NewAccount};
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use crate::common::{Backing, Mail, PASSWORD, Server, test_config};
use crate::mfa::{code_at, enable, now, verify};

#[path = "../../oauth/provider.rs"]
mod provider;
use provider::{Provider, provider};

mod accounts;
mod bridge;
mod directus;
mod guards;
mod providers;
mod two_step;

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
    server_built(provider, config, |b| b).await
}

/// Like [`server_with`], with the builder finished by `more`.
async fn server_built(
    provider: &Provider,
    config: AuthConfig,
    more: impl FnOnce(AuthBuilder) -> AuthBuilder,
) -> Server {
    let oidc = OidcProvider::new(client("oidc"), &provider.issuer).expect("oidc");
    Server::start_custom(config, Backing::Memory, Mail::Outbox, |b| {
        more(b.oauth_provider(oidc))
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

const DIRECTUS_START: &str =
    "http://api.test/directus/auth/login/oidc?redirect=https%3A%2F%2Fapp.test%2Fadmin%3Ftab%3D1";
