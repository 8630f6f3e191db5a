//! Per-account and per-IP login throttling, and trusted proxies.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backing, PASSWORD, Server, test_config};

#[tokio::test]
async fn ten_failed_logins_cool_the_account_down() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    for attempt in 1..=10 {
        let reply = server.login("ada@example.com", "wrong password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let locked = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert_eq!(locked.error_code(), "RATE_LIMITED");
    let retry: u64 = locked.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    let other_case = server.login("ADA@example.com", "wrong password").await;
    assert_eq!(
        other_case.status,
        StatusCode::TOO_MANY_REQUESTS,
        "one account, whatever the case"
    );

    server.advance(retry);
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_success_resets_the_account_count() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    for _ in 0..9 {
        server.login("ada@example.com", "wrong password").await;
    }
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    for attempt in 1..=9 {
        let reply = server.login("ada@example.com", "wrong password").await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt} after the reset"
        );
    }
}

#[tokio::test]
async fn parallel_guesses_are_all_counted() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let replies = futures_util::future::join_all(
        (0..30).map(|_| server.login("ada@example.com", "wrong password")),
    )
    .await;
    let answered = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(answered, 10, "a burst gets exactly ten password checks");
}

#[tokio::test]
async fn an_ip_that_sprays_many_accounts_is_stopped() {
    let mut config = test_config();
    config.throttles.ip.limit = 5;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    for n in 0..5 {
        let reply = server
            .login(&format!("user{n}@example.com"), "Password1")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let stopped = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(stopped.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let login_from = |server: &Server, forwarded: &'static str, email: String| {
        server
            .request(reqwest::Method::POST, "/api/auth/login")
            .header("x-forwarded-for", forwarded)
            .json(json!({ "email": email, "password": "wrong password" }))
            .send()
    };

    // Untrusted peer: spoofed X-Forwarded-For does not buy a new budget.
    let mut config = test_config();
    config.throttles.ip.limit = 3;
    let server = Server::start_with(config.clone(), Backing::Memory).await;
    for (n, spoof) in ["1.1.1.1", "2.2.2.2", "3.3.3.3"].into_iter().enumerate() {
        login_from(&server, spoof, format!("u{n}@example.com")).await;
    }
    let spoofed = login_from(&server, "4.4.4.4", "u9@example.com".into()).await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);

    // Trusted proxy (the loopback peer): each forwarded client has its own budget.
    config.web.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    let server = Server::start_with(config, Backing::Memory).await;
    for n in 0..3 {
        login_from(&server, "198.51.100.1", format!("a{n}@example.com")).await;
    }
    let first = login_from(&server, "198.51.100.1", "a9@example.com".into()).await;
    assert_eq!(
        first.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the sprayer is stopped"
    );
    let second = login_from(&server, "198.51.100.2", "b@example.com".into()).await;
    assert_eq!(
        second.status,
        StatusCode::UNAUTHORIZED,
        "another client behind the proxy is not"
    );
}

#[tokio::test]
async fn guessing_the_current_password_through_patch_me_is_throttled() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let mut last = StatusCode::OK;
    for _ in 0..11 {
        last = server
            .request(reqwest::Method::PATCH, "/api/me")
            .bearer(&access)
            .json(json!({ "password": "a new password", "currentPassword": "guess" }))
            .send()
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn failures_count_as_consecutive_however_slowly_they_come() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    // Ten failures spread over 28 minutes: each within 15 minutes of the last.
    for (minutes_later, failures) in [(0, 5), (14, 4), (14, 1)] {
        server.advance(minutes_later * 60);
        for _ in 0..failures {
            assert_eq!(
                server.login("ada@example.com", "wrong").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
    }
    let locked = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        locked.headers["retry-after"], "900",
        "a full cooling period"
    );
}

#[tokio::test]
async fn a_parallel_burst_cannot_outrun_the_ip_budget() {
    let mut config = test_config();
    config.throttles.ip.limit = 5;
    let server = Server::start_with(config, Backing::Memory).await;
    let replies = futures_util::future::join_all(
        (0..30).map(|n| server.login_as(&format!("sprayed{n}@example.com"), "Password1")),
    )
    .await;
    let checked = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (checked, refused),
        (5, 25),
        "only the budget reaches the password check"
    );
}

#[tokio::test]
async fn successful_logins_do_not_use_up_the_ip_budget() {
    let mut config = test_config();
    config.throttles.ip.limit = 3;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    for attempt in 1..=6 {
        let reply = server.login("ada@example.com", PASSWORD).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login {attempt} from a busy office"
        );
    }
}

#[tokio::test]
async fn registration_is_throttled_per_ip() {
    let mut config = test_config();
    config.throttles.ip.limit = 3;
    let server = Server::start_with(config, Backing::Memory).await;
    let register = |n: u32| {
        server.post(
            "/api/auth/register",
            json!({ "email": format!("new{n}@example.com"), "password": "long enough" }),
        )
    };
    for n in 0..3 {
        assert_eq!(register(n).await.status, StatusCode::CREATED);
    }
    let stopped = register(3).await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(stopped.headers.contains_key("retry-after"));
}
