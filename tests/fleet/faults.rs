//! Redis stopped and PostgreSQL restarted under a running fleet.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use super::proxy::Proxy;
use super::{Fleet, PASSWORD, Services, tokens};

/// How long a recovery may take: reconnection backs off up to a few seconds.
const RECOVERY: Duration = Duration::from_secs(30);

/// The native error shape, with its code.
fn native_code(status: StatusCode, body: &Value) -> &str {
    assert_eq!(body["statusCode"], status.as_u16(), "{body}");
    body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a code: {body}"))
}

/// Polls a login until it signs in again.
async fn until_login_works(fleet: &Fleet, on: &super::Quickstart) {
    let started = Instant::now();
    loop {
        let (status, _) = fleet.login(on, PASSWORD).await;
        if status == StatusCode::OK {
            return;
        }
        assert!(started.elapsed() < RECOVERY, "no recovery: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn with_redis_stopped_the_limiter_fails_closed_reads_go_on_and_all_recovers() {
    let Some(services) = Services::new().await else {
        return;
    };
    let redis = Proxy::start(services.redis_addr()).await;
    let redis_url = format!("redis://{}", redis.addr);
    // A is strict; B is stateless.
    let stateless = [("PORTCULLIS_STRICT_SESSIONS", "false")];
    let fleet = Fleet::start_on(&services.postgres_url, &redis_url, &[], &stateless).await;
    let (a, b) = (&fleet.a, &fleet.b);
    let (open, _) = fleet.session(a).await;
    let (ended, ending) = fleet.session(a).await;

    redis.cut(true);
    let (status, body) = fleet.login(a, PASSWORD).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(native_code(status, &body), "UNAVAILABLE");
    let directus = json!({ "email": fleet.admin, "password": PASSWORD });
    let (status, body) = fleet.post(b, "/directus/auth/login", directus).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "Directus's shape: {body}"
    );
    let (status, _) = fleet.login(b, "a wrong password").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "never unthrottled");

    assert_eq!(
        fleet.get_as(b, "/protected", &open).await,
        StatusCode::OK,
        "bearer reads in stateless mode need no Redis"
    );
    assert_eq!(
        fleet.get_as(a, "/protected", &open).await,
        StatusCode::OK,
        "strict mode asks the store"
    );
    let (status, _) = fleet
        .post(a, "/api/auth/logout", json!({ "refreshToken": ending }))
        .await;
    assert!(
        status.is_success(),
        "logging out needs the store only: {status}"
    );
    assert_eq!(
        fleet.get_as(a, "/protected", &ended).await,
        StatusCode::UNAUTHORIZED,
        "the store knows the session ended"
    );

    redis.cut(false);
    until_login_works(&fleet, a).await;
    until_login_works(&fleet, b).await;
    assert_eq!(fleet.get_as(a, "/protected", &open).await, StatusCode::OK);
    assert_eq!(
        fleet.get_as(a, "/protected", &ended).await,
        StatusCode::UNAUTHORIZED,
        "what ended during the outage stays ended"
    );
    drop(fleet);
    services.drop_database().await;
}

/// The admin's sessions, as rows of the database.
async fn sessions_in(database_url: &str) -> i64 {
    let mut db = PgConnection::connect(database_url).await.unwrap();
    sqlx::query_scalar("SELECT count(*) FROM portcullis_refresh_families")
        .fetch_one(&mut db)
        .await
        .unwrap()
}

#[tokio::test]
async fn with_postgres_restarted_requests_fail_with_503_and_no_session_is_lost_or_doubled() {
    let Some(services) = Services::new().await else {
        return;
    };
    let postgres = Proxy::start(services.postgres_addr()).await;
    let (_, database) = services.postgres_url.rsplit_once('/').unwrap();
    let database_url = format!("postgres://postgres@{}/{database}", postgres.addr);
    let fleet = Fleet::start_on(&database_url, &services.redis_url, &[], &[]).await;
    let (a, b) = (&fleet.a, &fleet.b);
    let (access, refresh) = fleet.session(a).await;
    assert_eq!(sessions_in(&services.postgres_url).await, 1);

    postgres.cut(true);
    let (status, body) = fleet.login(a, PASSWORD).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    native_code(status, &body);
    let (status, _) = fleet
        .post(
            b,
            "/api/auth/refresh-token",
            json!({ "refreshToken": refresh }),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        fleet.get_as(b, "/protected", &access).await,
        StatusCode::OK,
        "strict reads need no store while the channel stands"
    );

    postgres.cut(false);
    until_login_works(&fleet, b).await;
    let (status, body) = fleet
        .post(
            a,
            "/api/auth/refresh-token",
            json!({ "refreshToken": refresh }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session outlived the outage: {body}"
    );
    let (access, _) = tokens(&body);
    assert_eq!(fleet.get_as(b, "/protected", &access).await, StatusCode::OK);
    assert_eq!(
        sessions_in(&services.postgres_url).await,
        2,
        "the first session and the login after the outage, nothing else"
    );
    drop(fleet);
    services.drop_database().await;
}
