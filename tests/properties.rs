//! Property tests of every parser of untrusted input, through the whole
//! router in process: JSON and form bodies, cookie and authorization
//! headers, JWT headers, OAuth callback queries. Whatever comes, the
//! answer is never a 5xx, and no answer is larger than a page (input is
//! never echoed back in bulk, so memory stays bounded).

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use portcullis::oauth::{OidcProvider, ProviderConfig};
use portcullis::store::MemoryStore;
use portcullis::{Auth, AuthConfig};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

/// The largest answer any junk may get.
const MAX_ANSWER: usize = 8 * 1024;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
});

static APP: LazyLock<Router> = LazyLock::new(|| {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    // Junk comes fast: throttling answers 429, which is fine, but let the
    // parsers see it.
    config.throttles.ip.limit = 1_000_000;
    // A provider, so that callbacks are read all the way (it is never
    // reached: no callback gets past its flow cookie).
    let provider = ProviderConfig::new(
        "google",
        "client id",
        "client secret",
        "https://app.test/api/auth/google/callback",
    );
    let google = OidcProvider::new(provider, "https://accounts.google.test").unwrap();
    let auth = RUNTIME.block_on(async {
        Auth::builder(config)
            .store(MemoryStore::new())
            .oauth_provider(google)
            .build()
            .unwrap()
    });
    Router::new()
        .nest("/api", auth.routes())
        .nest("/directus", auth.directus_routes())
        .layer(auth.layer())
});

/// Sends one request through the router: its status and body size.
fn send(request: Request<Body>) -> (StatusCode, usize) {
    let app = APP.clone();
    RUNTIME.block_on(async move {
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, body.len())
    })
}

fn fine((status, size): (StatusCode, usize)) -> Result<(), TestCaseError> {
    prop_assert!(!status.is_server_error(), "answered {}", status);
    prop_assert!(size <= MAX_ANSWER, "an answer of {} bytes", size);
    Ok(())
}

const BODY_ROUTES: &[&str] = &[
    "/api/auth/login",
    "/api/login",
    "/api/auth/refresh-token",
    "/api/auth/register",
    "/api/auth/verify-mfa",
    "/api/auth/recover-mfa",
    "/api/auth/reset-password",
    "/api/auth/redeem",
    "/api/v1/token/",
    "/directus/auth/login",
    "/directus/auth/refresh",
    "/directus/auth/password/reset",
];

/// Any JSON value, nested a few levels.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::hash_map(
                prop_oneof![
                    Just("email".to_owned()),
                    Just("password".to_owned()),
                    Just("refreshToken".to_owned()),
                    Just("refresh_token".to_owned()),
                    Just("mfaToken".to_owned()),
                    Just("code".to_owned()),
                    Just("token".to_owned()),
                    Just("otp".to_owned()),
                    ".{0,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn post(path: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

proptest! {
    // Failures are shown, not written to files beside the tests.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn json_bodies(value in json(), route in prop::sample::select(BODY_ROUTES)) {
        let body = serde_json::to_vec(&value).unwrap();
        fine(send(post(route, "application/json", body)))?;
    }

    #[test]
    fn raw_bodies(
        body in prop::collection::vec(any::<u8>(), 0..512),
        route in prop::sample::select(BODY_ROUTES),
        content_type in prop::sample::select(vec![
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data; boundary=x",
        ]),
    ) {
        fine(send(post(route, content_type, body)))?;
    }

    #[test]
    fn form_bodies(pairs in prop::collection::vec((".{0,20}", ".{0,40}"), 0..8)) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        fine(send(post("/api/v1/token/", "application/x-www-form-urlencoded", body.into_bytes())))?;
    }

    #[test]
    fn cookie_headers(
        name in prop::sample::select(vec!["__Host-portcullis_access", "portcullis_access", "x"]),
        value in "[!-~&&[^;]]{0,300}",
        rest in "[ -~]{0,100}",
    ) {
        let cookie = format!("{name}={value}; {rest}");
        let request = Request::get("/api/me")
            .header("cookie", cookie.as_str())
            .body(Body::empty())
            .unwrap();
        fine(send(request))?;
        let unsafe_method = Request::post("/api/auth/refresh-token")
            .header("cookie", cookie.as_str())
            .body(Body::empty())
            .unwrap();
        fine(send(unsafe_method))?;
    }

    #[test]
    fn authorization_headers(scheme in "(Bearer|bearer|Basic|) ?", token in "[ -~]{0,300}") {
        let request = Request::get("/api/me")
            .header("authorization", format!("{scheme}{token}"))
            .body(Body::empty())
            .unwrap();
        let (status, size) = send(request);
        fine((status, size))?;
        prop_assert!(status.is_client_error(), "junk is never signed in: {}", status);
    }

    #[test]
    fn jwt_headers(header in json(), claims in json(), signature in "[A-Za-z0-9_-]{0,90}") {
        let part = |value: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap());
        let token = format!("{}.{}.{signature}", part(&header), part(&claims));
        for path in ["/api/me", "/directus/users/me"] {
            let request = Request::get(path)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let (status, size) = send(request);
            fine((status, size))?;
            prop_assert!(status.is_client_error(), "a forged token is refused: {}", status);
        }
    }

    #[test]
    fn oauth_callback_queries(
        pairs in prop::collection::vec(
            (prop::sample::select(vec!["state", "code", "error", "redirect", "x"]), ".{0,60}"),
            0..6
        ),
        cookie in "[!-~]{0,120}",
    ) {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        for path in ["/api/auth/google/callback", "/directus/auth/login/google/callback"] {
            let request = Request::get(format!("{path}?{query}"))
                .header("cookie", format!("__Host-portcullis_oauth_google={cookie}"))
                .body(Body::empty())
                .unwrap();
            fine(send(request))?;
        }
    }
}
