//! Adding portcullis to an axum app that already exists: its own routes stay
//! as they are; the auth endpoints go under `/api`, one layer authenticates
//! every request, handlers take an `Identity`, and a guard keeps a route for
//! admins.
//!
//! ```sh
//! cargo run --example existing_app
//! curl -s localhost:3001/api/auth/login -H 'content-type: application/json' \
//!      -d '{"email":"admin@example.com","password":"change me, please"}'
//! curl -s localhost:3001/whoami -H "authorization: Bearer $ACCESS_TOKEN"
//! ```

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use portcullis::store::MemoryStore;
use portcullis::{Auth, AuthConfig, Identity, NewAccount};

/// A page for everyone.
async fn home() -> &'static str {
    "welcome"
}

/// A page for signed-in users.
async fn whoami(identity: Identity) -> String {
    format!("you are {} ({})", identity.user_id, identity.role)
}

/// A page that greets signed-in users and strangers differently.
async fn greeting(identity: Option<Identity>) -> String {
    match identity {
        Some(identity) => format!("hello again, {}", identity.user_id),
        None => "hello, stranger".to_owned(),
    }
}

/// A page for admins only.
async fn reports() -> &'static str {
    "the admin reports"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = AuthConfig::new(portcullis::Secret::random(32));
    config.web.cookies.secure = false; // plain http on loopback
    let auth = Auth::builder(config).store(MemoryStore::new()).build()?;
    auth.create_user(NewAccount::new(
        "admin@example.com",
        "change me, please",
        "admin",
    ))
    .await?;

    let app = Router::new()
        .route("/", get(home))
        .route("/whoami", get(whoami))
        .route("/greeting", get(greeting))
        .route(
            "/reports",
            get(reports).route_layer(auth.require_role("admin")),
        )
        .nest("/api", auth.routes())
        .layer(auth.layer());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
    println!("listening on http://127.0.0.1:3001");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
