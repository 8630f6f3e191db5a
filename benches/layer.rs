//! What the auth layer costs: a protected route through `AuthLayer` and the
//! `Identity` extractor, next to the same route with neither (in-process,
//! tower `oneshot`), and a bare JWT verification for scale.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use portcullis::store::MemoryStore;
use portcullis::{Auth, AuthConfig, Client, Credentials, Identity, LoginOutcome, NewAccount};
use tower::ServiceExt;

fn layer(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let auth = Auth::builder(AuthConfig::new(vec![7; 32]))
        .store(MemoryStore::new())
        .build()
        .expect("auth");
    let token = rt.block_on(async {
        auth.create_user(NewAccount::new(
            "bench@example.com",
            "bench password",
            "user",
        ))
        .await
        .expect("user");
        auth.login(
            Credentials::new("bench@example.com", "bench password"),
            Client::default(),
        )
        .await
        .ok()
        .and_then(LoginOutcome::session)
        .expect("a session")
        .access_token
    });
    let bare = Router::new().route("/hello", get(|| async { "hello" }));
    let protected = Router::new()
        .route("/hello", get(|_: Identity| async { "hello" }))
        .layer(auth.layer());
    let request = || {
        Request::get("/hello")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };

    let mut group = c.benchmark_group("protected route");
    group.bench_function("without layer", |b| {
        b.to_async(&rt).iter(|| bare.clone().oneshot(request()));
    });
    group.bench_function("with layer and extractor", |b| {
        b.to_async(&rt)
            .iter(|| protected.clone().oneshot(request()));
    });
    group.bench_function("jwt verification alone", |b| {
        b.iter(|| auth.authenticate(&token).expect("valid"));
    });
    group.finish();
}

criterion_group!(benches, layer);
criterion_main!(benches);
