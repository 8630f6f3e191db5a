//! Login and refresh through the service on SQLite, with production Argon2
//! parameters: login is dominated by one Argon2id verification, refresh by
//! one rotation transaction.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex, PoisonError};

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::{Auth, AuthConfig, Client, Credentials, LoginOutcome, NewAccount};
use portcullis_sqlx::SqlStore;

fn sessions(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let path = std::env::temp_dir().join(format!(
        "portcullis-bench-{}.db",
        portcullis::store::new_id()
    ));
    let mut config = AuthConfig::new(vec![7; 32]);
    config.throttles.account.limit = u32::MAX;
    let (auth, first) = rt.block_on(async {
        let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("sqlite");
        let auth = Auth::builder(config).store(store).build().expect("auth");
        auth.create_user(NewAccount::new(
            "bench@example.com",
            "bench password",
            "user",
        ))
        .await
        .expect("user");
        let session = auth
            .login(
                Credentials::new("bench@example.com", "bench password"),
                Client::default(),
            )
            .await
            .ok()
            .and_then(LoginOutcome::session)
            .expect("a session");
        (auth, session.refresh_token)
    });

    let mut group = c.benchmark_group("sessions on SQLite");
    group.sample_size(20);
    group.bench_function("login (argon2id m=19456 t=2 p=1)", |b| {
        b.to_async(&rt).iter(|| async {
            auth.login(
                Credentials::new("bench@example.com", "bench password"),
                Client::default(),
            )
            .await
            .expect("login")
        });
    });
    let current = Arc::new(Mutex::new(first));
    group.bench_function("refresh (rotation)", |b| {
        b.to_async(&rt).iter(|| async {
            let token = current
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let session = auth.refresh(&token).await.expect("refresh");
            *current.lock().unwrap_or_else(PoisonError::into_inner) = session.refresh_token;
        });
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, sessions);
criterion_main!(benches);
