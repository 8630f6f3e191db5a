//! The attack review on lockouts: slow guessing meets a ceiling that only
//! a success, a reset or an admin lifts (and the owner is told); the
//! owner's own device passes a lock a stranger set off; and nobody can use
//! up an owner's reset mails from elsewhere.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backing, PASSWORD, Reply, Server, test_config};
use crate::mail::{messages, request_reset};

const QUARTER_HOUR: u64 = 15 * 60;

fn config_with_ceiling(ceiling: u32) -> portcullis::AuthConfig {
    let mut config = test_config();
    config.throttles.lockout_ceiling = ceiling;
    config.web.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    config
}

async fn wrong(server: &Server, email: &str) -> Reply {
    server.login(email, "not the password").await
}

#[tokio::test]
async fn slow_guessing_meets_a_ceiling_that_a_reset_lifts() {
    let server = Server::start_with(config_with_ceiling(12), Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    for _ in 0..10 {
        assert_eq!(
            wrong(&server, "ada@example.com").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The cool-down passes; the long count does not.
    server.advance(QUARTER_HOUR + 1);
    assert_eq!(
        wrong(&server, "ada@example.com").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        wrong(&server, "ada@example.com").await.status,
        StatusCode::UNAUTHORIZED
    );
    server.advance(QUARTER_HOUR + 1);
    let locked = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::FORBIDDEN, "{}", locked.body);
    assert_eq!(locked.error_code(), "ACCOUNT_LOCKED");
    let told = messages(&server, 1).await;
    assert!(
        told.iter().any(|m| m.subject == "Your account is locked"),
        "{told:?}"
    );

    request_reset(&server, json!({ "email": "ada@example.com" })).await;
    let mail = messages(&server, 2).await;
    let reset = mail
        .iter()
        .find(|m| m.subject == "Reset your password")
        .unwrap();
    let done = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": reset.token(), "password": "a brand new password" }),
        )
        .await;
    assert!(done.status.is_success(), "{}", done.body);
    let back = server
        .login("ada@example.com", "a brand new password")
        .await;
    assert_eq!(
        back.status,
        StatusCode::OK,
        "a reset unlocks: {}",
        back.body
    );
}

#[tokio::test]
async fn a_guess_a_month_still_adds_up_to_the_ceiling() {
    let server = Server::start_with(config_with_ceiling(3), Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    // Failures count toward the ceiling for a year without a success.
    for _ in 0..3 {
        server.advance(30 * 24 * 3600);
        assert_eq!(
            wrong(&server, "ada@example.com").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    server.advance(30 * 24 * 3600);
    let locked = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::FORBIDDEN, "{}", locked.body);
    assert_eq!(locked.error_code(), "ACCOUNT_LOCKED");
}

#[tokio::test]
async fn one_account_s_ceiling_never_locks_another() {
    let server = Server::start_with(config_with_ceiling(3), Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    server.user("bob@example.com", "user").await;
    for _ in 0..3 {
        wrong(&server, "ada@example.com").await;
    }
    let ada = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(ada.error_code(), "ACCOUNT_LOCKED", "{}", ada.body);
    let bob = server.login("bob@example.com", PASSWORD).await;
    assert_eq!(bob.status, StatusCode::OK, "{}", bob.body);
}

#[tokio::test]
async fn an_admin_unlocks_a_locked_account() {
    let server = Server::start_with(config_with_ceiling(10), Backing::Memory).await;
    let id = server.user("ada@example.com", "user").await;
    for _ in 0..10 {
        wrong(&server, "ada@example.com").await;
    }
    server.advance(QUARTER_HOUR + 1);
    let locked = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(locked.error_code(), "ACCOUNT_LOCKED");
    server.auth.unlock_account(&id).await.unwrap();
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

/// The `name=value` of the device cookie a reply set.
pub(crate) fn device_cookie(reply: &Reply) -> String {
    reply
        .set_cookie("portcullis_device")
        .expect("a device cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn login_from(server: &Server, ip: &str, password: &str, cookie: Option<&str>) -> Reply {
    let mut call = server
        .request(Method::POST, "/api/auth/login")
        .header("x-forwarded-for", ip)
        .json(json!({ "email": "ada@example.com", "password": password }));
    if let Some(cookie) = cookie {
        call = call.header("cookie", cookie);
    }
    call.send().await
}

#[tokio::test]
async fn the_owners_device_passes_a_lock_a_stranger_set_off() {
    let server = Server::start_with(config_with_ceiling(100), Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let signed_in = login_from(&server, "192.0.2.1", PASSWORD, None).await;
    assert_eq!(signed_in.status, StatusCode::OK);
    let device = device_cookie(&signed_in);

    for _ in 0..10 {
        login_from(&server, "198.51.100.7", "guess", None).await;
    }
    let stranger = login_from(&server, "198.51.100.8", PASSWORD, None).await;
    assert_eq!(
        stranger.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the account cools down for everyone else"
    );
    let forged = login_from(
        &server,
        "192.0.2.1",
        PASSWORD,
        Some("portcullis_device=forged"),
    )
    .await;
    assert_eq!(
        forged.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a forged mark is no mark"
    );
    let owner = login_from(&server, "192.0.2.1", PASSWORD, Some(&device)).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);

    // A stolen mark has a budget of its own, as small as the account's.
    for _ in 0..10 {
        login_from(&server, "203.0.113.9", "guess", Some(&device)).await;
    }
    let thief = login_from(&server, "203.0.113.9", "guess", Some(&device)).await;
    assert_eq!(thief.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_stranger_cannot_use_up_the_owners_reset_mails() {
    let server = Server::start_with(config_with_ceiling(100), Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let ask = |ip: &'static str| {
        server
            .request(Method::POST, "/api/auth/request-reset-password")
            .header("x-forwarded-for", ip)
            .json(json!({ "email": "ada@example.com" }))
            .send()
    };
    for _ in 0..3 {
        ask("198.51.100.7").await;
    }
    assert_eq!(
        ask("198.51.100.7").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let owner = ask("192.0.2.1").await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
    assert_eq!(messages(&server, 4).await.len(), 4);
}

#[tokio::test]
async fn the_owners_device_passes_the_lock_through_the_second_factor_too() {
    use crate::mfa::{code_at, enable, now, verify};
    let server = Server::start_with(config_with_ceiling(100), Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let secret = enable(&server, &access).await.data()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    verify(&server, &access, &code_at(&secret, now(&server))).await;
    server.advance(30);
    let first = login_from(&server, "192.0.2.1", PASSWORD, None).await;
    let finished = server
        .post(
            "/api/auth/verify-mfa",
            json!({ "mfaToken": first.data()["mfaToken"], "code": code_at(&secret, now(&server)) }),
        )
        .await;
    assert_eq!(finished.status, StatusCode::OK, "{}", finished.body);
    let device = device_cookie(&finished);

    for _ in 0..10 {
        login_from(&server, "198.51.100.7", "guess", None).await;
    }
    server.advance(30);
    let step = login_from(&server, "192.0.2.1", PASSWORD, Some(&device)).await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    let code = server
        .request(Method::POST, "/api/auth/verify-mfa")
        .header("x-forwarded-for", "192.0.2.1")
        .json(
            json!({ "mfaToken": step.data()["mfaToken"], "code": code_at(&secret, now(&server)) }),
        )
        .send()
        .await;
    assert_eq!(
        code.status,
        StatusCode::OK,
        "the code from the owner's device is not held by the stranger's lock: {}",
        code.body
    );
}
