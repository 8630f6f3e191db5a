//! The whole API under `/api` (and its Directus-compatible twin under
//! `/directus`) on `127.0.0.1:3000`, on a SQLite file, with no set-up:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! Environment (all optional):
//! - `PORTCULLIS_ADDR`: listen address (default `127.0.0.1:3000`).
//! - `PORTCULLIS_DATABASE_URL`: `sqlite://…` or `postgres://…`
//!   (default `sqlite://portcullis.db?mode=rwc`).
//! - `PORTCULLIS_ADMIN_EMAIL`, `PORTCULLIS_ADMIN_PASSWORD`: the admin created
//!   on first start when absent (default `admin@example.com` with a random
//!   password, printed once).
//! - `PORTCULLIS_JWT_SECRET`: an HS256 secret for access tokens (default: an
//!   Ed25519 key generated once and kept in `.portcullis-signing-key.pem`
//!   beside the database, so restarts keep sessions).
//! - `PORTCULLIS_PUBLIC_URL`: this server's origin as browsers see it
//!   (default `http://` + the listen address); cookies are `Secure` when it
//!   is https, and it is an allowed origin for cookie requests.
//! - `PORTCULLIS_TRUSTED_PROXIES`: comma-separated proxy IPs whose
//!   `X-Forwarded-For` is believed.
//! - `PORTCULLIS_OUTBOX`: folder where mail is written as `.eml` files
//!   (default `./outbox`), unless `PORTCULLIS_SMTP_URL` (`smtps://user:pass@host`,
//!   `smtp://host:587?tls=required`) sends it over SMTP.
//! - `PORTCULLIS_MAIL_FROM`: the `From` of mail (default `portcullis <no-reply@localhost>`).
//! - `PORTCULLIS_RESET_URL_ALLOW_LIST`: comma-separated reset pages (full
//!   URLs) clients may ask links to point at, besides `/reset-password` here.
//! - `PORTCULLIS_OAUTH_<NAME>_CLIENT_ID` and `PORTCULLIS_OAUTH_<NAME>_CLIENT_SECRET`
//!   enable login through a provider at `/api/auth/<name>`: `<NAME>` is
//!   GOOGLE, GITHUB, FACEBOOK, or any name with `PORTCULLIS_OAUTH_<NAME>_ISSUER`
//!   (an OpenID Connect issuer URL). The callback to register with the
//!   provider is `{PUBLIC_URL}/api/auth/<name>/callback` (or
//!   `_REDIRECT_URI`); `_SCOPES` and `_APP_CALLBACK_URL` (tokens go there
//!   instead of through the cookie bridge, unless `_AUTO_SET_COOKIES=true`)
//!   are optional. A misspelt variable stops the start-up.
//! - `PORTCULLIS_REDIRECT_ALLOW_LIST`: comma-separated origins a login may
//!   return to (`?redirect=`), besides `PORTCULLIS_PUBLIC_URL`'s.
//! - `PORTCULLIS_SIGNING_KEY`: a PEM file with the access-token key;
//!   `PORTCULLIS_VERIFY_KEYS`: PEM files of keys that only verify (rotation);
//!   `PORTCULLIS_SEALING_KEY`: the TOTP sealing key (32 bytes, base64url).
//! - `PORTCULLIS_STRICT_SESSIONS=true`: an ended session's access tokens
//!   (logout, password change, deactivation…) are refused at once, on every
//!   instance, and role changes act at the next request.
//! - `PORTCULLIS_METRICS=true`: the service's metrics at `GET /metrics`, in
//!   Prometheus's text format.
//! - `PORTCULLIS_MAGIC_LINKS=true`: `POST /api/auth/magic-link` mails
//!   single-use sign-in links (to the outbox), which open the page at `/`.
//! - `PORTCULLIS_REDIS_URL`: `redis://…`, the rate limiter and revocation
//!   channel that a fleet of instances shares (without it, a `postgres://`
//!   database holds them).
//!
//! Routes besides the API: `GET /` (a sign-in page to try the API from a
//! browser: password, MFA, passkeys, sign-in links, sessions),
//! `GET /api/openapi.json` (the OpenAPI document
//! of the native, v1 and admin endpoints), `GET /.well-known/jwks.json` (the public keys of
//! access tokens), `GET /protected` (a route of the app's own behind the
//! layer: the signed-in user's id) and `GET /health` (outside the layer).

use std::error::Error;
use std::net::SocketAddr;

use axum::routing::get;
use axum::{Json, Router};
use portcullis::Identity;
use utoipa::openapi::server::Server;

#[path = "support/page.rs"]
mod page;
#[path = "support/mod.rs"]
mod support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let support::Setup {
        auth,
        addr,
        public_url,
        metrics,
    } = support::from_env().await?;
    let mut openapi = portcullis::openapi::document();
    openapi.servers = Some(vec![Server::new("/api")]);
    let mut app = Router::new()
        .merge(auth.well_known_routes())
        .nest("/api", auth.routes())
        .nest("/directus", auth.directus_routes())
        // A route of the app's own, behind the layer: the signed-in user's id.
        .route("/protected", get(|me: Identity| async move { me.user_id }))
        .layer(auth.layer())
        // Outside the layer: for load balancers, and to measure what the layer costs.
        .route("/health", get(|| async { "ok" }))
        .merge(page::routes())
        .route(
            "/api/openapi.json",
            get(move || std::future::ready(Json(openapi.clone()))),
        );
    if let Some(metrics) = metrics {
        // For Prometheus on the internal network: put it behind the proxy's own rules.
        app = app.route(
            "/metrics",
            get(move || std::future::ready(metrics.render())),
        );
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("portcullis quickstart listening on {public_url}/api");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(support::shutdown_signal())
    .await?;
    tracing::info!("shut down");
    Ok(())
}
