//! Another service of the same app: it accepts portcullis access tokens
//! with nothing but the issuer's public keys, fetched from its JWKS URL —
//! no store, no database, no shared secret.
//!
//! ```sh
//! cargo run --example quickstart &
//! PORTCULLIS_ADDR=127.0.0.1:3001 \
//! PORTCULLIS_JWKS_URL=http://127.0.0.1:3000/.well-known/jwks.json \
//! cargo run --example downstream --features verifier
//! curl -s localhost:3001/whoami -H "authorization: Bearer $ACCESS_TOKEN"   # the user id, or 401
//! ```
//!
//! `PORTCULLIS_JWKS_REFETCH_SECONDS` (default 60) bounds how often a token
//! with an unknown `kid` makes it fetch the key set again.

use std::error::Error;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use portcullis::Identity;
use portcullis::verifier::Verifier;
use portcullis::web::{GuardLayer, Requirement};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let addr = var("PORTCULLIS_ADDR").unwrap_or_else(|| "127.0.0.1:3001".into());
    let jwks_url = var("PORTCULLIS_JWKS_URL").ok_or("PORTCULLIS_JWKS_URL is not set")?;
    let refetch = var("PORTCULLIS_JWKS_REFETCH_SECONDS").map_or(Ok(60), |s| s.parse())?;
    let verifier = Verifier::builder(jwks_url)
        .refetch_interval(Duration::from_secs(refetch))
        .build()?;
    let app = Router::new()
        .route("/whoami", get(|me: Identity| async move { me.user_id }))
        .route(
            "/admin",
            get(|| async { "for admins" })
                .route_layer(GuardLayer::new(Requirement::Role("admin".into()))),
        )
        .layer(verifier.layer());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("downstream service on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
