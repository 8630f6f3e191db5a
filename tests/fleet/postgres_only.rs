//! A fleet on PostgreSQL without Redis: the database holds the rate
//! limiter's counters and carries revocations by `LISTEN/NOTIFY`.

use reqwest::StatusCode;
use serde_json::json;

use super::{Fleet, PASSWORD, PROPAGATION, Services};

/// A blank variable counts as unset: no Redis.
const NO_REDIS: &str = "";

#[tokio::test]
async fn without_redis_postgres_carries_revocations_and_budgets() {
    let Some(services) = Services::new().await else {
        return;
    };
    let fleet = Fleet::start_on(&services.postgres_url, NO_REDIS, &[], &[]).await;
    let (a, b) = (&fleet.a, &fleet.b);

    let (access, refresh) = fleet.session(a).await;
    assert_eq!(fleet.get_as(b, "/protected", &access).await, StatusCode::OK);
    fleet
        .post(a, "/api/auth/logout", json!({ "refreshToken": refresh }))
        .await;
    let took = fleet
        .until_status(
            b,
            "/protected",
            &access,
            StatusCode::UNAUTHORIZED,
            PROPAGATION,
        )
        .await;
    println!("logout on A refused on B after {took:?} (PostgreSQL)");

    for attempt in 0..10 {
        let on = if attempt % 2 == 0 { a } else { b };
        let (status, _) = fleet.login(on, "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {}", attempt + 1);
    }
    let (status, _) = fleet.login(b, PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "one budget for both");
    drop(fleet);
    services.drop_database().await;
}
