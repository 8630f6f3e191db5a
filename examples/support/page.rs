//! The quickstart's sign-in page at `/`: plain HTML, CSS and JavaScript
//! (no build step, no external assets), to try the API from a browser.
//! It uses the cookie mode, so it also shows the CSRF rules at work.

use axum::Router;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

/// Scripts and styles from this origin only; QR codes come as `data:` images.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/// `/`, `/page.js` and `/page.css`.
pub fn routes() -> Router {
    Router::new()
        .route(
            "/",
            get(|| file("text/html; charset=utf-8", include_str!("page/index.html"))),
        )
        .route(
            "/page.js",
            get(|| {
                file(
                    "text/javascript; charset=utf-8",
                    include_str!("page/page.js"),
                )
            }),
        )
        .route(
            "/page.css",
            get(|| file("text/css; charset=utf-8", include_str!("page/page.css"))),
        )
}

async fn file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_SECURITY_POLICY, POLICY),
        ],
        body,
    )
}
