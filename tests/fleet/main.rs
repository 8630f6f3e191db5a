//! Many instances as one: two quickstart processes on one PostgreSQL
//! database and one Redis, strict sessions on, spoken to over HTTP as a
//! load balancer would spread a user's requests. Each test has a database
//! of its own and a client address of its own (through
//! `X-Forwarded-For`, the instances trusting loopback as their proxy), so
//! tests share Redis without sharing budgets. Faults go through
//! [`proxy::Proxy`].
//!
//! Needs `PORTCULLIS_TEST_POSTGRES_URL` and `PORTCULLIS_TEST_REDIS_URL`;
//! says SKIPPED without them.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod faults;
mod oauth;
mod passkeys;
mod postgres_only;
mod proxy;
#[path = "../quickstart_process/mod.rs"]
mod quickstart_process;
mod sessions;
mod throttling;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use quickstart_process::Quickstart;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

pub(crate) const PASSWORD: &str = "fleet admin password";
/// The most a revocation may take to reach the other instance.
pub(crate) const PROPAGATION: Duration = Duration::from_secs(1);

/// The servers a fleet runs on: a fresh database, and Redis.
pub(crate) struct Services {
    base_url: String,
    database: String,
    pub(crate) postgres_url: String,
    pub(crate) redis_url: String,
}

impl Services {
    /// A new database on the test PostgreSQL, or `None` (and a note) when
    /// either server is not configured.
    pub(crate) async fn new() -> Option<Self> {
        let (Ok(base_url), Ok(redis_url)) = (
            std::env::var("PORTCULLIS_TEST_POSTGRES_URL"),
            std::env::var("PORTCULLIS_TEST_REDIS_URL"),
        ) else {
            // Written past the test harness's capture, so the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: fleet test (set PORTCULLIS_TEST_POSTGRES_URL and PORTCULLIS_TEST_REDIS_URL to run it)"
            );
            return None;
        };
        let database = format!(
            "portcullis_fleet_{}",
            portcullis::store::new_id().replace('-', "")
        );
        let mut admin = PgConnection::connect(&base_url).await.expect("PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {database}"))
            .execute(&mut admin)
            .await
            .expect("a database of the test's own");
        let (server, _) = base_url.rsplit_once('/').expect("a URL with a database");
        Some(Self {
            postgres_url: format!("{server}/{database}"),
            base_url,
            database,
            redis_url,
        })
    }

    /// Where PostgreSQL listens (`host:port`), for a proxy in front of it.
    pub(crate) fn postgres_addr(&self) -> String {
        host_port(&self.postgres_url, 5432)
    }

    /// Where Redis listens (`host:port`).
    pub(crate) fn redis_addr(&self) -> String {
        host_port(&self.redis_url, 6379)
    }

    /// Drops the test's database (after its instances have stopped).
    pub(crate) async fn drop_database(self) {
        let mut admin = PgConnection::connect(&self.base_url)
            .await
            .expect("PostgreSQL");
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.database
        ))
        .execute(&mut admin)
        .await
        .expect("drop the test's database");
    }
}

fn host_port(url: &str, default_port: u16) -> String {
    let url = url::Url::parse(url).expect("a URL");
    format!(
        "{}:{}",
        url.host_str().expect("a host"),
        url.port().unwrap_or(default_port)
    )
}

/// Two instances, `a` and `b`, behind one public URL.
pub(crate) struct Fleet {
    pub(crate) a: Quickstart,
    pub(crate) b: Quickstart,
    http: reqwest::Client,
    /// The client address this test's requests come from.
    client_ip: String,
    /// The first admin's address, of this test's own (budgets per account
    /// live in the Redis every test shares).
    pub(crate) admin: String,
}

/// What every instance of a fleet is given: the same keys, public URL,
/// database and Redis.
fn shared_envs(public_url: &str, database_url: &str, redis_url: &str) -> Vec<(String, String)> {
    let key = format!("{}/tests/keys/ed25519.pem", env!("CARGO_MANIFEST_DIR"));
    [
        ("PORTCULLIS_DATABASE_URL", database_url),
        ("PORTCULLIS_REDIS_URL", redis_url),
        ("PORTCULLIS_PUBLIC_URL", public_url),
        ("PORTCULLIS_SIGNING_KEY", key.as_str()),
        (
            "PORTCULLIS_SEALING_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        ),
        ("PORTCULLIS_TRUSTED_PROXIES", "127.0.0.1"),
        ("PORTCULLIS_ADMIN_PASSWORD", PASSWORD),
        ("PORTCULLIS_STRICT_SESSIONS", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

impl Fleet {
    /// Two strict instances straight on PostgreSQL and Redis.
    pub(crate) async fn start(services: &Services) -> Self {
        Self::start_on(&services.postgres_url, &services.redis_url, &[], &[]).await
    }

    /// Two instances on these URLs, each with variables of its own on top.
    pub(crate) async fn start_on(
        database_url: &str,
        redis_url: &str,
        a_envs: &[(&str, &str)],
        b_envs: &[(&str, &str)],
    ) -> Self {
        let a_addr = format!("127.0.0.1:{}", quickstart_process::free_port());
        let public_url = format!("http://{a_addr}");
        let admin = format!("admin-{}@example.com", portcullis::store::new_id());
        let mut shared = shared_envs(&public_url, database_url, redis_url);
        shared.push(("PORTCULLIS_ADMIN_EMAIL".to_owned(), admin.clone()));
        let with = |own: &[(&str, &str)], addr: Option<&str>| {
            let mut envs: Vec<(String, String)> = shared.clone();
            envs.extend(own.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
            if let Some(addr) = addr {
                envs.push(("PORTCULLIS_ADDR".to_owned(), addr.to_owned()));
            }
            envs
        };
        let dir = quickstart_process::scratch_dir();
        let a = start(&dir, &with(a_envs, Some(&a_addr))).await;
        let b = start(&dir, &with(b_envs, None)).await;
        // A random client address: budgets in Redis outlive a test run.
        let random = u32::from_str_radix(&portcullis::store::new_id()[..8], 16).unwrap();
        let [_, x, y, z] = random.to_be_bytes();
        Self {
            a,
            b,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            client_ip: format!("10.{x}.{y}.{}", z.max(1)),
            admin,
        }
    }

    /// A request to an instance, from this test's client address.
    pub(crate) fn request(
        &self,
        on: &Quickstart,
        method: Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", on.base))
            .header("x-forwarded-for", &self.client_ip)
    }

    /// Sends a request and reads its status and JSON body.
    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let reply = request.send().await.expect("the instance answers");
        let status = reply.status();
        let text = reply.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub(crate) async fn post(
        &self,
        on: &Quickstart,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.send(self.request(on, Method::POST, path).json(&body))
            .await
    }

    pub(crate) async fn get_as(&self, on: &Quickstart, path: &str, access: &str) -> StatusCode {
        let request = self.request(on, Method::GET, path).bearer_auth(access);
        self.send(request).await.0
    }

    pub(crate) async fn login(&self, on: &Quickstart, password: &str) -> (StatusCode, Value) {
        let body = json!({ "email": self.admin, "password": password });
        self.post(on, "/api/auth/login", body).await
    }

    /// Signs the admin in on `on`: the access and refresh tokens.
    pub(crate) async fn session(&self, on: &Quickstart) -> (String, String) {
        let (status, body) = self.login(on, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        tokens(&body)
    }

    /// Waits until `path` with `access` answers `expected` on `on`; the time it took.
    pub(crate) async fn until_status(
        &self,
        on: &Quickstart,
        path: &str,
        access: &str,
        expected: StatusCode,
        within: Duration,
    ) -> Duration {
        let started = Instant::now();
        loop {
            if self.get_as(on, path, access).await == expected {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "{path} did not answer {expected} within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

pub(crate) fn tokens(body: &Value) -> (String, String) {
    let data = &body["data"];
    (
        data["accessToken"]
            .as_str()
            .expect("accessToken")
            .to_owned(),
        data["refreshToken"]
            .as_str()
            .expect("refreshToken")
            .to_owned(),
    )
}

async fn start(dir: &Path, envs: &[(String, String)]) -> Quickstart {
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Quickstart::start(dir, &envs).await
}
