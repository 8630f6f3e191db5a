//! Metrics through the `metrics` facade: logins by outcome, refreshes,
//! reuse, MFA outcomes, token mints, limiter decisions and store latency,
//! read back through a Prometheus recorder the test installs.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use metrics_exporter_prometheus::PrometheusBuilder;
use portcullis::store::{MemoryStore, new_id};
use portcullis::{
    Auth, AuthConfig, Client, Clock, Credentials, LoginOutcome, ManualClock, MfaProof, NewAccount,
};
use portcullis_sqlx::SqlStore;

mod totp;

const PASSWORD: &str = "correct horse battery";

/// Runs `scenario` with a Prometheus recorder of its own and returns what
/// the recorder renders.
fn recorded(scenario: impl std::future::Future<Output = ()>) -> String {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || runtime.block_on(scenario));
    handle.render()
}

/// A cheap-hashing configuration.
fn config() -> AuthConfig {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    config
}

#[test]
fn the_service_counts_and_times_what_operators_watch() {
    let text = recorded(async {
        let auth = Auth::builder(config())
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
        // The memory store leaves the user to the user store.
        r#"portcullis_store_seconds_count{op="find_user"} 1"#,
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
}

/// One login and one refresh over a SQLite store set with `.store(..)`,
/// the users set on their own too when `users` is given: what the
/// recorder renders.
fn refreshed_on_sqlite(users: Option<MemoryStore>) -> String {
    recorded(async {
        let path = std::env::temp_dir().join(format!("portcullis-metrics-{}.db", new_id()));
        let sql = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        let builder = Auth::builder(config()).store(sql);
        let builder = match users {
            Some(users) => builder.users(users),
            None => builder,
        };
        let auth = builder.build().unwrap();
        auth.create_user(NewAccount::new("ada@example.com", PASSWORD, "user"))
            .await
            .unwrap();
        let credentials = Credentials::new("ada@example.com", PASSWORD);
        let Ok(LoginOutcome::Session(session)) = auth.login(credentials, Client::default()).await
        else {
            panic!("signed in");
        };
        auth.refresh(&session.refresh_token).await.unwrap();
        let _ = std::fs::remove_file(path);
    })
}

#[test]
fn a_refresh_reads_the_user_in_its_rotation_where_one_store_keeps_both() {
    let one_store = refreshed_on_sqlite(None);
    assert!(
        one_store.contains(r#"portcullis_store_seconds_count{op="rotate_refresh_token"} 1"#),
        "{one_store}"
    );
    assert!(
        !one_store.contains(r#"op="find_user""#),
        "no second call for the user:\n{one_store}"
    );
    let users_apart = refreshed_on_sqlite(Some(MemoryStore::new()));
    assert!(
        users_apart.contains(r#"portcullis_store_seconds_count{op="find_user"} 1"#),
        "users kept apart are asked themselves:\n{users_apart}"
    );
}

#[test]
fn second_factors_and_lockouts_are_counted_by_outcome() {
    let text = recorded(async {
        let mut config = config();
        config.throttles.lockout_ceiling = 2;
        let clock = ManualClock::new();
        let auth = Auth::builder(config)
            .store(MemoryStore::new())
            .clock(clock.clone())
            .build()
            .unwrap();
        for email in ["locked@example.com", "mfa@example.com"] {
            auth.create_user(NewAccount::new(email, PASSWORD, "user"))
                .await
                .unwrap();
        }
        let login = |email: &str, password: &str| {
            auth.login(Credentials::new(email, password), Client::default())
        };
        for _ in 0..3 {
            assert!(login("locked@example.com", "a wrong guess").await.is_err());
        }

        let Ok(LoginOutcome::Session(session)) = login("mfa@example.com", PASSWORD).await else {
            panic!("signed in");
        };
        let identity = auth.authenticate(&session.access_token).unwrap();
        let enrolment = auth
            .begin_mfa_enrolment(&identity, Some(PASSWORD), Client::default())
            .await
            .unwrap();
        let code = totp::code_at(&enrolment.secret, clock.now().unix_timestamp());
        auth.confirm_mfa_enrolment(&identity, &code).await.unwrap();
        let Ok(LoginOutcome::MfaRequired { mfa_token }) = login("mfa@example.com", PASSWORD).await
        else {
            panic!("a second step");
        };
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(
            auth.complete_mfa_login(&mfa_token, &wrong, Client::default())
                .await
                .is_err()
        );
        auth.disable_mfa(
            &identity,
            MfaProof::Password(PASSWORD.into()),
            Client::default(),
        )
        .await
        .unwrap();
    });
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        // Two failures the account survives; the third locks it.
        r#"portcullis_logins_total{outcome="failure",factor="password"} 2"#,
        r#"portcullis_logins_total{outcome="failure",factor="code"} 1"#,
        "portcullis_lockouts_total 1",
        r#"portcullis_events_total{event="account_locked"} 1"#,
        r#"portcullis_mfa_total{outcome="enabled"} 1"#,
        r#"portcullis_mfa_total{outcome="code_failed"} 1"#,
        r#"portcullis_mfa_total{outcome="disabled"} 1"#,
    ] {
        assert!(lines.contains(&expected), "{expected} in:\n{text}");
    }
}
