//! Budgets count once for the whole fleet.

use reqwest::StatusCode;

use super::{Fleet, PASSWORD, Services};

/// The quickstart's account budget: consecutive failed logins.
const ACCOUNT_LIMIT: usize = 10;

#[tokio::test]
async fn wrong_passwords_alternating_between_instances_lock_at_exactly_the_limit() {
    let Some(services) = Services::new().await else {
        return;
    };
    let fleet = Fleet::start(&services).await;
    let instances = [&fleet.a, &fleet.b];
    for attempt in 0..ACCOUNT_LIMIT {
        let (status, body) = fleet.login(instances[attempt % 2], "wrong password").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "attempt {} of {ACCOUNT_LIMIT} is judged: {body}",
            attempt + 1
        );
    }
    for on in instances {
        let (status, body) = fleet.login(on, PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "locked on every instance, even with the right password: {body}"
        );
    }
    drop(fleet);
    services.drop_database().await;
}
