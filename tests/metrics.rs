//! Metrics through the `metrics` facade: logins by outcome, refreshes,
//! reuse, MFA outcomes, token mints, limiter decisions and store latency,
//! read back through a Prometheus recorder the test installs.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use metrics_exporter_prometheus::PrometheusBuilder;
use portcullis::store::MemoryStore;
use portcullis::{Auth, AuthConfig, Client, Credentials, LoginOutcome, NewAccount};

const PASSWORD: &str = "correct horse battery";

#[test]
fn the_service_counts_and_times_what_operators_watch() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
            config.accounts.password.memory_kib = 1024;
            config.accounts.password.iterations = 1;
            let auth = Auth::builder(config)
                .store(MemoryStore::new())
                .build()
                .unwrap();
            auth.create_user(NewAccount::new("root@example.com", PASSWORD, "admin"))
                .await
                .unwrap();
            let credentials = |password: &str| Credentials::new("root@example.com", password);
            assert!(
                auth.login(credentials("a wrong guess"), Client::default())
                    .await
                    .is_err()
            );
            let Ok(LoginOutcome::Session(session)) =
                auth.login(credentials(PASSWORD), Client::default()).await
            else {
                panic!("signed in");
            };
            auth.refresh(&session.refresh_token).await.unwrap();
            assert!(auth.refresh(&session.refresh_token).await.is_err(), "reuse");
            let Ok(LoginOutcome::Session(session)) =
                auth.login(credentials(PASSWORD), Client::default()).await
            else {
                panic!("signed in again");
            };
            let identity = auth.authenticate(&session.access_token).unwrap();
            auth.create_app_token(&identity, None).await.unwrap();
        });
    });
    let text = handle.render();
    for expected in [
        r#"portcullis_logins_total{outcome="success",factor="all"} 2"#,
        r#"portcullis_logins_total{outcome="failure",factor="password"} 1"#,
        r#"portcullis_refreshes_total{outcome="success"} 1"#,
        r#"portcullis_refreshes_total{outcome="failure"} 1"#,
        "portcullis_refresh_reuse_total 1",
        r#"portcullis_tokens_minted_total{kind="app"} 1"#,
        r#"portcullis_limiter_decisions_total{outcome="allowed"}"#,
        r#"portcullis_store_seconds_count{op="find_user_by_email"} 3"#,
        // Both refreshes try the rotation; only the refused one reads the token.
        r#"portcullis_store_seconds_count{op="rotate_refresh_token"} 2"#,
        r#"portcullis_store_seconds_count{op="find_refresh_token"} 1"#,
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
}
