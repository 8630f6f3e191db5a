//! A database made by an earlier release keeps everything when it meets
//! this one: schema 5 (users with their TOTP state, sessions, tokens,
//! recovery codes, identities) migrated to today's seams.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use portcullis::store::{
    ApiTokenStore, IdentityStore, OneTimeTokenStore, SecondFactorStore, SessionStore, UserStore,
    new_id,
};
use portcullis_sqlx::SqlStore;
use sqlx::AnyPool;

/// The schema as release 0.1 left it, and its ledger.
const SCHEMA_5: &[&str] = &[
    include_str!("../migrations/0001_users_and_sessions.sql"),
    include_str!("../migrations/0002_api_tokens.sql"),
    include_str!("../migrations/0003_mfa.sql"),
    include_str!("../migrations/0004_email_verification.sql"),
    include_str!("../migrations/0005_oauth_identities.sql"),
];

/// What an instance of schema 5 held.
const DATA: &[&str] = &[
    "INSERT INTO portcullis_users (id, email, email_key, name, role, is_active, password_hash, \
     created_at, updated_at, totp_secret, totp_pending, totp_last_step, email_verified) VALUES \
     ('u1', 'Ada@Example.com', 'ada@example.com', 'Ada', 'admin', 1, '$argon2id$x', 100, 100, \
     'sealed-secret', NULL, 77, 1)",
    "INSERT INTO portcullis_refresh_families VALUES ('f1', 'u1', 'pwd otp', 0, 100, 9999999999, NULL)",
    "INSERT INTO portcullis_refresh_tokens VALUES ('hash-1', 'f1', NULL)",
    "INSERT INTO portcullis_api_tokens VALUES ('app-1', 'app', 'u1', NULL, 'u1', NULL, 'abcdef', 100, 9999999999)",
    "INSERT INTO portcullis_recovery_codes VALUES ('u1', 'code-1')",
    "INSERT INTO portcullis_one_time_tokens VALUES ('link-1', 'password_reset', 'u1', '', 0, 100, 9999999999)",
    "INSERT INTO portcullis_identities VALUES ('google', 'sub-1', 'u1', 100)",
];

async fn make_schema_5(pool: &AnyPool) {
    sqlx::query("CREATE TABLE portcullis_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .execute(pool)
        .await
        .unwrap();
    for (i, file) in SCHEMA_5.iter().enumerate() {
        let code: String = file
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in code.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(statement).execute(pool).await.unwrap();
        }
        sqlx::query("INSERT INTO portcullis_migrations VALUES ($1, 0)")
            .bind(i64::try_from(i + 1).unwrap())
            .execute(pool)
            .await
            .unwrap();
    }
    for row in DATA {
        sqlx::query(row).execute(pool).await.unwrap();
    }
}

async fn everything_is_still_there(store: &SqlStore) {
    // The user store only knows UUIDs: find the old user by address.
    let user = store
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .expect("the user");
    assert_eq!((user.id.as_str(), user.role.as_str()), ("u1", "admin"));
    assert!(user.email_verified);
    let totp = store.totp("u1").await.unwrap();
    assert_eq!(totp.secret.as_deref(), Some("sealed-secret"), "TOTP moved");
    assert!(
        !store.record_totp_step("u1", 77).await.unwrap(),
        "the replay guard moved with it"
    );
    assert!(store.record_totp_step("u1", 78).await.unwrap());
    assert!(store.spend_recovery_code("u1", "code-1").await.unwrap());
    let session = store.find_refresh_token("hash-1").await.unwrap().unwrap();
    assert_eq!(session.family.amr, ["pwd", "otp"]);
    assert_eq!(
        session.family.last_used_at, session.family.created_at,
        "a session never marked was last used when it began"
    );
    let now = session.family.created_at + std::time::Duration::from_secs(60);
    let rotated = store
        .rotate_live_refresh_token("hash-1", "hash-2", now, None)
        .await
        .unwrap();
    assert_eq!(
        rotated.map(|f| f.id),
        Some(session.family.id.clone()),
        "an old token rotates"
    );
    let successor = store.find_refresh_token("hash-2").await.unwrap().unwrap();
    assert_eq!(
        (
            successor.family.id.as_str(),
            successor.family.last_used_at,
            successor.used_at
        ),
        ("f1", now, None),
        "its successor joins the old session, marked used"
    );
    assert!(store.find_api_token("app-1").await.unwrap().is_some());
    assert!(store.find_one_time_token("link-1").await.unwrap().is_some());
    assert_eq!(
        store
            .find_identity("google", "sub-1")
            .await
            .unwrap()
            .as_deref(),
        Some("u1")
    );
    // And the tables no longer insist on portcullis_users.
    let f = portcullis::store::RefreshFamily {
        id: new_id(),
        user_id: "42".into(),
        amr: vec!["pwd".into()],
        remember: false,
        created_at: session.family.created_at,
        expires_at: session.family.expires_at,
        revoked_at: None,
        last_used_at: session.family.created_at,
        client: None,
    };
    store.create_family(&f, &new_id()).await.unwrap();
}

#[tokio::test]
async fn a_sqlite_database_of_schema_5_keeps_everything() {
    let path = std::env::temp_dir().join(format!("portcullis-upgrade-{}.db", new_id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.unwrap();
    make_schema_5(&pool).await;
    pool.close().await;
    let store = SqlStore::connect(&url).await.expect("migrates");
    everything_is_still_there(&store).await;
    store.close().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn a_postgres_database_of_schema_5_keeps_everything() {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_POSTGRES_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL upgrade test (set PORTCULLIS_TEST_POSTGRES_URL to run it)"
        );
        return;
    };
    // A schema of its own, so that the shared database's tables stay apart.
    let schema = format!("upgrade_{}", new_id().replace('-', ""));
    sqlx::any::install_default_drivers();
    let admin = AnyPool::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let pool = AnyPool::connect(&scoped).await.unwrap();
    make_schema_5(&pool).await;
    pool.close().await;
    let store = SqlStore::connect(&scoped).await.expect("migrates");
    everything_is_still_there(&store).await;
    store.close().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
}
