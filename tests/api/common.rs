//! A real server on an ephemeral port, and a small HTTP client for it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use portcullis::mail::{OutboxMailer, SmtpMailer};
use portcullis::store::MemoryStore;
use portcullis::web::dialect::Dialect;
use portcullis::{Auth, AuthBuilder, AuthConfig, Identity, ManualClock, NewAccount};
use portcullis_sqlx::SqlStore;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

/// Which framework adapter serves the API: the whole suite runs on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Axum,
    Actix,
}

/// The application every test talks to, on axum.
async fn serve_axum(auth: &Auth) -> SocketAddr {
    let app =
        Router::new()
            .route("/app/whoami", get(|me: Identity| async move { me.user_id }))
            .route(
                "/app/maybe",
                get(|me: Option<Identity>| async move {
                    me.map_or("anonymous".to_owned(), |m| m.user_id)
                }),
            )
            .route(
                "/app/actor",
                get(|me: Identity| async move { actor_line(&me) }),
            )
            .route(
                "/app/sensitive",
                get(|| async { "second factor shown" }).route_layer(auth.require_second_factor()),
            )
            .route(
                "/app/admin",
                get(|| async { "admin area" }).route_layer(auth.require_role("admin")),
            )
            .route(
                "/app/directus-admin",
                get(|| async { "admin area" })
                    .post(|| async { "posted" })
                    .route_layer(auth.require_role("admin").refusing_as(Dialect::Directus)),
            )
            .nest("/api", auth.routes())
            .nest("/directus", auth.directus_routes())
            .layer(auth.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    addr
}

/// The same application on actix-web.
fn serve_actix(auth: &Auth) -> SocketAddr {
    use actix_web::{App, HttpServer, web};
    use portcullis::actix::MaybeIdentity;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let auth = auth.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(auth.actix_middleware())
            .route(
                "/app/whoami",
                web::get().to(|me: Identity| async move { me.user_id }),
            )
            .route(
                "/app/maybe",
                web::get().to(|me: MaybeIdentity| async move {
                    me.0.map_or("anonymous".to_owned(), |m| m.user_id)
                }),
            )
            .route(
                "/app/actor",
                web::get().to(|me: Identity| async move { actor_line(&me) }),
            )
            .service(
                web::resource("/app/sensitive")
                    .wrap(auth.actix_require_second_factor())
                    .to(|| async { "second factor shown" }),
            )
            .service(
                web::resource("/app/admin")
                    .wrap(auth.actix_require_role("admin"))
                    .to(|| async { "admin area" }),
            )
            .service(
                web::resource("/app/directus-admin")
                    .wrap(
                        auth.actix_require_role("admin")
                            .refusing_as(Dialect::Directus),
                    )
                    .to(|| async { "admin area" }),
            )
            .service(web::scope("/api").configure(auth.actix_routes()))
            .service(web::scope("/directus").configure(auth.actix_directus_routes()))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    addr
}

fn actor_line(me: &Identity) -> String {
    format!("{} by {}", me.user_id, me.actor.clone().unwrap_or_default())
}

/// Which store the server runs on.
pub enum Backing {
    Memory,
    Sqlite,
}

pub struct Server {
    pub base: String,
    pub auth: Auth,
    pub clock: ManualClock,
    pub sql: Option<(SqlStore, PathBuf)>,
    /// Where the server's mail goes (an `OutboxMailer`), unless a test chose another mailer.
    pub outbox: PathBuf,
    http: reqwest::Client,
}

/// Which mailer the server uses.
pub enum Mail {
    /// An `OutboxMailer` on a fresh folder.
    Outbox,
    /// None at all.
    Nothing,
    /// SMTP to this URL, giving up after this long.
    #[allow(dead_code)]
    Smtp(String, std::time::Duration),
}

/// A configuration for tests: cheap Argon2 (production cost is tested on
/// its own), plain-http cookies, and the seed API's token bridge and
/// Directus query token.
pub fn test_config() -> AuthConfig {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.mail.public_url = "https://app.test".into();
    config.mail.reset_url_allow_list = vec!["https://other.test/account/reset".into()];
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    config.web.cookies.secure = false;
    // The seed API's contracts, as the quickstart keeps them.
    config.oauth.bridge = portcullis::config::OAuthBridge::Tokens;
    config.web.query_access_token = true;
    config
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(test_config(), Backing::Memory).await
    }

    pub async fn start_with(config: AuthConfig, backing: Backing) -> Self {
        Self::start_full(config, backing, Mail::Outbox).await
    }

    pub async fn start_full(config: AuthConfig, backing: Backing, mail: Mail) -> Self {
        Self::start_custom(config, backing, mail, |builder| builder).await
    }

    /// Like [`start_full`](Self::start_full), with the builder finished by `more`
    /// (to add OAuth providers, say).
    pub async fn start_custom(
        config: AuthConfig,
        backing: Backing,
        mail: Mail,
        more: impl FnOnce(AuthBuilder) -> AuthBuilder,
    ) -> Self {
        let clock = ManualClock::new();
        let outbox =
            std::env::temp_dir().join(format!("portcullis-outbox-{}", portcullis::store::new_id()));
        let builder = more(Auth::builder(config).clock(clock.clone()));
        let builder = match mail {
            Mail::Outbox => builder.mailer(OutboxMailer::new(&outbox)),
            Mail::Nothing => builder,
            Mail::Smtp(url, timeout) => {
                builder.mailer(SmtpMailer::from_url(&url, timeout).expect("smtp url"))
            }
        };
        let (auth, sql) = match backing {
            Backing::Memory => (
                builder.store(MemoryStore::new()).build().expect("build"),
                None,
            ),
            Backing::Sqlite => {
                let path = std::env::temp_dir()
                    .join(format!("portcullis-api-{}.db", portcullis::store::new_id()));
                let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                    .await
                    .expect("sqlite");
                let auth = builder.store(store.clone()).build().expect("build");
                (auth, Some((store, path)))
            }
        };
        let addr = match crate::FRAMEWORK {
            Framework::Axum => serve_axum(&auth).await,
            Framework::Actix => serve_actix(&auth),
        };
        Self {
            base: format!("http://{addr}"),
            auth,
            clock,
            sql,
            outbox,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    pub fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// A user with [`PASSWORD`] created through the service.
    pub async fn user(&self, email: &str, role: &str) -> String {
        let mut account = NewAccount::new(email, PASSWORD, role);
        account.name = Some("Test User".into());
        self.auth
            .create_user(account)
            .await
            .expect("create user")
            .id
    }

    /// A user with [`PASSWORD`] who registered themselves: the address is
    /// not verified.
    pub async fn self_registered(&self, email: &str) {
        let body = json!({ "email": email, "password": PASSWORD });
        let registered = self.post("/api/auth/register", body).await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{}",
            registered.body
        );
    }

    pub fn request(&self, method: Method, path: &str) -> Call {
        Call {
            builder: self.http.request(method, format!("{}{}", self.base, path)),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path).json(body).send().await
    }

    /// A login that borrows nothing from the caller (for `join_all` bursts).
    pub fn login_as<'a>(
        &'a self,
        email: &str,
        password: &str,
    ) -> impl std::future::Future<Output = Reply> + use<'a> {
        let body = json!({ "email": email, "password": password });
        self.post_owned("/api/auth/login", body)
    }

    async fn post_owned(&self, path: &'static str, body: Value) -> Reply {
        self.post(path, body).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/login",
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Logs in and returns (access token, refresh token).
    pub async fn tokens(&self, email: &str) -> (String, String) {
        self.tokens_with(email, PASSWORD).await
    }

    /// Logs in with `password` and returns (access token, refresh token).
    pub async fn tokens_with(&self, email: &str, password: &str) -> (String, String) {
        let reply = self.login(email, password).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (
            reply.data()["accessToken"]
                .as_str()
                .expect("accessToken")
                .to_owned(),
            reply.data()["refreshToken"]
                .as_str()
                .expect("refreshToken")
                .to_owned(),
        )
    }

    /// `POST /api/login` (cookie mode) with [`PASSWORD`].
    pub async fn cookie_login(&self, email: &str, remember: bool) -> Reply {
        self.post(
            "/api/login",
            json!({ "email": email, "password": PASSWORD, "remember": remember }),
        )
        .await
    }

    /// `POST /api/auth/refresh-token` with the token in the body.
    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.post(
            "/api/auth/refresh-token",
            json!({ "refreshToken": refresh_token }),
        )
        .await
    }

    /// `PATCH /api/me` with a bearer token.
    pub fn patch_me(&self, access: &str, body: Value) -> Call {
        self.request(Method::PATCH, "/api/me")
            .bearer(access)
            .json(body)
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }
}

pub struct Call {
    builder: reqwest::RequestBuilder,
}

impl Call {
    pub fn json(mut self, body: Value) -> Self {
        self.builder = self.builder.json(&body);
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<reqwest::Body>) -> Self {
        self.builder = self.builder.header("content-type", content_type).body(body);
        self
    }

    pub fn bearer(mut self, token: &str) -> Self {
        self.builder = self.builder.bearer_auth(token);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    pub async fn send(self) -> Reply {
        let response = self.builder.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn details(&self) -> &str {
        self.body["details"].as_str().unwrap_or_default()
    }

    /// Every Set-Cookie header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v: &HeaderValue| v.to_str().expect("ascii").to_owned())
            .collect()
    }

    /// The Set-Cookie header for one cookie.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// A `Cookie` request header carrying every cookie this reply set.
    pub fn cookie_header(&self) -> String {
        self.set_cookies()
            .iter()
            .filter_map(|c| c.split(';').next())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Asserts the native error shape and returns its code.
    pub fn error_code(&self) -> &str {
        assert_eq!(
            self.body["statusCode"],
            self.status.as_u16(),
            "{}",
            self.body
        );
        assert!(self.body["message"].is_string(), "{}", self.body);
        assert!(self.body["details"].is_string(), "{}", self.body);
        self.body["code"].as_str().expect("code")
    }
}
