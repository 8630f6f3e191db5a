//! An existing actix-web app with portcullis added: its own routes stay as
//! they are, the middleware authenticates every request, handlers take an
//! `Identity`, guards keep routes for admins or for second-factor sessions,
//! and the whole API is served under `/api`. It reads the same environment
//! as the quickstart (see `examples/quickstart.rs`):
//!
//! ```sh
//! cargo run --example actix --features actix-web
//! curl -s localhost:3000/api/auth/login -H 'content-type: application/json' \
//!      -d '{"email":"admin@example.com","password":"…"}'
//! curl -s localhost:3000/whoami -H "authorization: Bearer $ACCESS_TOKEN"
//! ```

use std::error::Error;

use actix_web::{App, HttpServer, web};
use portcullis::Identity;
use portcullis::actix::MaybeIdentity;

#[path = "support/mod.rs"]
mod support;

/// A page for everyone.
async fn home() -> &'static str {
    "welcome"
}

/// A page for signed-in users.
async fn whoami(identity: Identity) -> String {
    format!("you are {} ({})", identity.user_id, identity.role)
}

/// A page that greets signed-in users and strangers differently.
async fn greeting(identity: MaybeIdentity) -> String {
    match identity.0 {
        Some(identity) => format!("hello again, {}", identity.user_id),
        None => "hello, stranger".to_owned(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let support::Setup {
        auth,
        addr,
        public_url,
        metrics,
    } = support::from_env().await?;
    tracing::info!("portcullis on actix-web listening on {public_url}/api");
    HttpServer::new(move || {
        App::new()
            .wrap(auth.actix_middleware())
            .route("/", web::get().to(home))
            .route("/whoami", web::get().to(whoami))
            .route("/greeting", web::get().to(greeting))
            .service(
                web::resource("/reports")
                    .wrap(auth.actix_require_role("admin"))
                    .to(|| async { "the admin reports" }),
            )
            .configure(auth.actix_well_known())
            .service(web::scope("/api").configure(auth.actix_routes()))
            .service(web::scope("/directus").configure(auth.actix_directus_routes()))
            .configure(|config| {
                if let Some(metrics) = metrics.clone() {
                    config.route(
                        "/metrics",
                        web::get().to(move || std::future::ready(metrics.render())),
                    );
                }
            })
    })
    .bind(addr)?
    .run()
    .await?;
    Ok(())
}
